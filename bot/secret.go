package bot

import "context"

// SecretTx keeps an installation's secrets that every replica must share:
// the calendar feed's signing key, say, which signs links one replica hands
// out and another checks. A single process keeps such keys in its data
// directory; replicas on several machines have no common directory, but
// they have the database.
//
// A unit implements it beside Tx; reach it with Contract[SecretTx].
type SecretTx interface {
	// KeepSecret stores candidate under name unless a value is stored
	// already, and returns the stored value: of replicas starting together
	// with different candidates, all end up with the first one stored.
	KeepSecret(name string, candidate []byte) ([]byte, error)
}

// KeepSecret runs SecretTx.KeepSecret in a unit of its own.
func KeepSecret(ctx context.Context, s Store, name string, candidate []byte) ([]byte, error) {
	var kept []byte
	err := s.Update(ctx, func(tx Tx) error {
		st, ok := Contract[SecretTx](tx)
		if !ok {
			return Errorf(EINTERNAL, "the unit %T does not keep secrets", "单元 %T 不保存密钥。", tx)
		}
		var err error
		kept, err = st.KeepSecret(name, candidate)
		return err
	})
	return kept, err
}
