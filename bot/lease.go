package bot

import (
	"context"
	"time"
)

// LeaseTx keeps named leases: work that must run on one replica at a time
// (a platform's long connection, say) is done only by the replica holding
// its lease. A lease is a row (name, holder, until); its holder renews it
// before until, and when the holder dies and stops renewing, another
// replica takes it once until has passed. Each replica reads until against
// its own clock, so the lease must be much longer than the clocks' skew.
//
// A unit implements it beside Tx; reach it with Contract[LeaseTx].
type LeaseTx interface {
	// TryLease takes the lease name for holder until now+ttl, or renews it
	// if holder has it already. It returns held=false, changing nothing,
	// when another holder has it until a time after now.
	TryLease(name, holder string, ttl time.Duration, now time.Time) (held bool, err error)
	// ReleaseLease gives up the lease if holder has it, so that another
	// replica may take it at once rather than when it would have expired.
	ReleaseLease(name, holder string) error
}

// Leases takes and gives up leases outside a unit of work, each call a unit
// of its own. The leader loop takes it instead of a whole Store.
type Leases interface {
	TryLease(ctx context.Context, name, holder string, ttl time.Duration, now time.Time) (bool, error)
	ReleaseLease(ctx context.Context, name, holder string) error
}

// StoreLeases makes a Store whose units implement LeaseTx a Leases.
type StoreLeases struct{ Store Store }

// TryLease implements Leases in a unit of its own.
func (s StoreLeases) TryLease(ctx context.Context, name, holder string, ttl time.Duration, now time.Time) (bool, error) {
	var held bool
	err := s.Store.Update(ctx, func(tx Tx) error {
		l, err := leaseTx(tx)
		if err != nil {
			return err
		}
		held, err = l.TryLease(name, holder, ttl, now)
		return err
	})
	return held, err
}

// ReleaseLease implements Leases in a unit of its own.
func (s StoreLeases) ReleaseLease(ctx context.Context, name, holder string) error {
	return s.Store.Update(ctx, func(tx Tx) error {
		l, err := leaseTx(tx)
		if err != nil {
			return err
		}
		return l.ReleaseLease(name, holder)
	})
}

// leaseTx is the unit's LeaseTx; a store without one is a wiring mistake,
// reported as an internal error rather than a panic.
func leaseTx(tx Tx) (LeaseTx, error) {
	if l, ok := Contract[LeaseTx](tx); ok {
		return l, nil
	}
	return nil, Errorf(EINTERNAL, "the unit %T does not keep leases", "单元 %T 不支持租约。", tx)
}
