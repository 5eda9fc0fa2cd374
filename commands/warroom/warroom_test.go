package warroom_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/commands/commandstest"
	"github.com/tandemhq/tandem/commands/warroom"
)

// fakeCreator creates groups in memory, one per key, as the platforms
// promise for a repeated key.
type fakeCreator struct {
	mu      sync.Mutex
	byKey   map[string]bot.Destination
	specs   []bot.GroupSpec
	err     error // answered instead, when set
	created int
}

func (f *fakeCreator) CreateGroup(_ context.Context, spec bot.GroupSpec) (bot.Destination, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.specs = append(f.specs, spec)
	if f.err != nil {
		return bot.Destination{}, f.err
	}
	if d, ok := f.byKey[spec.Key]; ok {
		return d, nil
	}
	f.created++
	d := bot.Destination{Platform: bot.PlatformFeishu, Workspace: spec.Workspace, ChatID: fmt.Sprintf("oc_%d", f.created)}
	f.byKey[spec.Key] = d
	return d, nil
}

// creators serves one fake for Feishu's tenant1 only.
type creators struct{ f *fakeCreator }

func (c creators) GroupCreator(platform, workspace string) (bot.GroupCreator, bool) {
	return c.f, platform == bot.PlatformFeishu && workspace == "tenant1"
}

// world is a store, a fake creator and the ticket feature's side: the war
// rooms it recorded and the refusals it was told of.
type world struct {
	h       *commandstest.Harness
	creator *fakeCreator
	handler bot.JobFetcher
	rooms   map[int64]bot.Destination
	refused []*bot.Error
}

func newWorld(t *testing.T) *world {
	w := &world{h: commandstest.New(t), creator: &fakeCreator{byKey: map[string]bot.Destination{}}, rooms: map[int64]bot.Destination{}}
	m := warroom.Module(warroom.Deps{
		Creators: creators{w.creator},
		Store:    w.h.DB,
		Recorded: func(_ bot.Tx, ticket int64, _, _ string) (bot.Destination, bool, error) {
			d, ok := w.rooms[ticket]
			return d, ok, nil
		},
		OnCreated: func(tx bot.Tx, ticket int64, d bot.Destination, _ time.Time) error {
			w.rooms[ticket] = d
			// What the ticket feature does next: post its timeline there.
			_, err := tx.Enqueue(&bot.Outgoing{Key: fmt.Sprintf("ticket%d/warroom", ticket), To: d, Msg: bot.Message{Text: "War room for #42"}}, w.h.Now())
			return err
		},
		OnRefused: func(_ bot.Tx, _ int64, err *bot.Error, _ time.Time) error {
			w.refused = append(w.refused, err)
			return nil
		},
	})
	w.handler = m.Jobs[warroom.JobKind].(bot.JobFetcher)
	return w
}

var request = warroom.Request{TicketID: 42, Platform: bot.PlatformFeishu, Workspace: "tenant1", Name: "P1 #42 Labels peel off",
	Topic: "War room", Members: []string{"ou_a", "ou_b"}, Owner: "ou_a"}

func (w *world) schedule(req warroom.Request) *bot.Job {
	w.h.T.Helper()
	err := w.h.DB.Update(context.Background(), func(tx bot.Tx) error { _, err := warroom.Schedule(tx, req, w.h.Now()); return err })
	if err != nil {
		w.h.T.Fatal(err)
	}
	jobs := w.h.Jobs(bot.JobFilter{Kind: warroom.JobKind, State: bot.JobPending})
	if len(jobs) == 0 {
		w.h.T.Fatal("no pending war room job")
	}
	return jobs[len(jobs)-1]
}

// fetch runs the job's fetch, outside any unit, as the scheduler does.
func (w *world) fetch(j *bot.Job) (func(bot.Tx) error, error) {
	return w.handler.FetchJob(context.Background(), j, w.h.Now())
}

// apply commits the fetch's apply with the job's completion, as the
// scheduler does.
func (w *world) apply(j *bot.Job, apply func(bot.Tx) error) {
	w.h.T.Helper()
	err := w.h.DB.Update(context.Background(), func(tx bot.Tx) error {
		if apply != nil {
			if err := apply(tx); err != nil {
				return err
			}
		}
		return tx.CompleteJob(j.ID, time.Time{}, w.h.Now())
	})
	if err != nil {
		w.h.T.Fatal(err)
	}
}

func (w *world) outbox() []*bot.Outgoing {
	var out []*bot.Outgoing
	err := w.h.DB.View(context.Background(), func(tx bot.Tx) (err error) {
		out, err = tx.FindOutgoing(bot.OutboxQueued, 100)
		return err
	})
	if err != nil {
		w.h.T.Fatal(err)
	}
	return out
}

// Ensure the job creates the group with the request's members, owner and
// a key from the ticket and job, and records it in the unit that completes
// the job, where a message to the group can be queued.
func TestWarRoom_CreatesAndRecords(t *testing.T) {
	w := newWorld(t)
	j := w.schedule(request)
	apply, err := w.fetch(j)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.rooms) != 0 {
		t.Fatal("recorded before the apply")
	}
	w.apply(j, apply)
	spec := w.creator.specs[0]
	if spec.Key != fmt.Sprintf("t42j%d", j.ID) || spec.Owner.UserID != "ou_a" || len(spec.Members) != 2 || spec.Members[1].UserID != "ou_b" ||
		spec.Members[1].Platform != bot.PlatformFeishu || spec.Workspace != "tenant1" || spec.Name != request.Name || spec.Topic != "War room" {
		t.Fatalf("spec %+v", spec)
	}
	if w.rooms[42].ChatID != "oc_1" {
		t.Fatalf("rooms %+v", w.rooms)
	}
	if out := w.outbox(); len(out) != 1 || out[0].To.ChatID != "oc_1" {
		t.Fatalf("outbox %+v", out)
	}
}

// Ensure a kill after the platform created the group but before the apply
// committed (the apply is dropped, the job runs again) leaves one group,
// recorded once: the second run asks with the same key.
func TestWarRoom_KillBeforeApply(t *testing.T) {
	w := newWorld(t)
	j := w.schedule(request)
	if _, err := w.fetch(j); err != nil { // the process dies before the apply
		t.Fatal(err)
	}
	apply, err := w.fetch(j) // the lease ran out; the job runs again
	if err != nil {
		t.Fatal(err)
	}
	w.apply(j, apply)
	if w.creator.created != 1 || len(w.creator.specs) != 2 || w.creator.specs[0].Key != w.creator.specs[1].Key || w.rooms[42].ChatID != "oc_1" {
		t.Fatalf("created %d from %+v; rooms %+v", w.creator.created, w.creator.specs, w.rooms)
	}
}

// Ensure a second job for a ticket whose war room is recorded asks the
// platform for nothing.
func TestWarRoom_RecordedAlready(t *testing.T) {
	w := newWorld(t)
	j := w.schedule(request)
	apply, _ := w.fetch(j)
	w.apply(j, apply)
	j2 := w.schedule(request) // the first is done: its dedup key is free
	if j2.ID == j.ID {
		t.Fatal("no second job")
	}
	apply, err := w.fetch(j2)
	if err != nil {
		t.Fatal(err)
	}
	w.apply(j2, apply)
	if len(w.creator.specs) != 1 || len(w.outbox()) != 1 {
		t.Fatalf("asked %d times; outbox %d", len(w.creator.specs), len(w.outbox()))
	}
}

// Ensure a refusal no retry can change (a missing permission, no app that
// can create groups there) completes the job through OnRefused with the
// text that says what to do, and a rate limit or transient failure fails
// the fetch so the job is retried.
func TestWarRoom_Refusals(t *testing.T) {
	forbidden := bot.Errorf(bot.EFORBIDDEN, "grant im:chat:create", "开通 im:chat:create")
	for name, tc := range map[string]struct {
		err     error
		req     func(*warroom.Request)
		refused string // the refusal's code; "" means the fetch fails
	}{
		"Forbidden":     {err: fmt.Errorf("wrapped: %w", forbidden), refused: bot.EFORBIDDEN},
		"NoCreator":     {req: func(r *warroom.Request) { r.Workspace = "other" }, refused: bot.EUNAVAILABLE},
		"Permanent":     {err: &bot.DeliveryError{Err: errors.New("bad"), Permanent: true}, refused: bot.EINVALID},
		"RateLimited":   {err: &bot.DeliveryError{Err: errors.New("slow down"), RetryAfter: time.Minute}},
		"Transient":     {err: errors.New("connection reset")},
		"BusyPlatforms": {err: bot.ErrUnavailable},
	} {
		t.Run(name, func(t *testing.T) {
			w := newWorld(t)
			w.creator.err = tc.err
			req := request
			if tc.req != nil {
				tc.req(&req)
			}
			j := w.schedule(req)
			apply, err := w.fetch(j)
			if tc.refused == "" {
				if err == nil {
					t.Fatal("the fetch succeeded")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			w.apply(j, apply)
			if len(w.refused) != 1 || w.refused[0].Code != tc.refused || len(w.rooms) != 0 {
				t.Fatalf("refused %+v, rooms %+v", w.refused, w.rooms)
			}
			if tc.refused == bot.EFORBIDDEN && !strings.Contains(w.refused[0].Text.ZH, "im:chat:create") {
				t.Fatalf("text lost: %+v", w.refused[0].Text)
			}
		})
	}
}

// Ensure scheduling the same ticket's war room twice while one is pending
// queues one job.
func TestWarRoom_ScheduleOnce(t *testing.T) {
	w := newWorld(t)
	w.schedule(request)
	w.schedule(request)
	if n := len(w.h.Jobs(bot.JobFilter{Kind: warroom.JobKind})); n != 1 {
		t.Fatalf("%d jobs", n)
	}
}
