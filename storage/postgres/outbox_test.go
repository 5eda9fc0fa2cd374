package postgres_test

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// Two replicas send the outbox of three chats whose messages were queued
// interleaved: each chat's messages go out in the order they were queued,
// none twice, and never from both replicas at once. Each replica claims a
// few at a time and marks each sent after "sending" it, as the dispatcher
// does. With the SQLite claim (the oldest due messages, whatever their
// chat) the second replica claims the next of a chat while the first still
// sends the earlier ones, and chats go out of order.
func TestClaimOutgoing_TwoReplicasKeepEachChatInOrder(t *testing.T) {
	dsn := emptiedDatabase(t)
	replicas := []bot.Store{open(t, dsn), open(t, dsn)}
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	chats := []string{"C1", "C2", "C3"}
	const perChat = 30
	if err := replicas[0].Update(ctx, func(tx bot.Tx) error {
		for i := range perChat * len(chats) {
			o := &bot.Outgoing{Key: fmt.Sprint("m", i), To: bot.Destination{Platform: "slack", Workspace: "T1", ChatID: chats[i%len(chats)]},
				Msg: bot.Message{Text: fmt.Sprint(i)}}
			if _, err := tx.Enqueue(o, now); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	sent := map[string][]int64{} // chat → ids in the order sent
	sending := map[string]string{}
	var wg sync.WaitGroup
	for r, store := range replicas {
		owner := fmt.Sprint("replica", r)
		wg.Go(func() {
			for idle := 0; idle < 20; {
				var claimed []*bot.Outgoing
				if err := store.Update(ctx, func(tx bot.Tx) (err error) {
					claimed, err = tx.ClaimOutgoing("slack", now, time.Minute, owner, 4)
					return err
				}); err != nil {
					t.Error(err)
					return
				}
				if len(claimed) == 0 {
					idle++ // the other replica may hold the rest
					runtime.Gosched()
					continue
				}
				idle = 0
				slices.SortFunc(claimed, func(a, b *bot.Outgoing) int { return int(a.ID - b.ID) })
				for _, o := range claimed {
					chat := o.To.ChatID
					mu.Lock()
					if other := sending[chat]; other != "" {
						t.Errorf("%s sends to %s while %s does", owner, chat, other)
					}
					sending[chat] = owner
					sent[chat] = append(sent[chat], o.ID)
					mu.Unlock()
					runtime.Gosched() // the send
					mu.Lock()
					sending[chat] = ""
					mu.Unlock()
					if err := store.Update(ctx, func(tx bot.Tx) error { return tx.MarkSent(o.ID, "", now) }); err != nil {
						t.Error(err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	for _, chat := range chats {
		ids := sent[chat]
		if len(ids) != perChat {
			t.Errorf("%s: %d messages sent, want %d", chat, len(ids), perChat)
		}
		if !slices.IsSorted(ids) || len(slices.Compact(slices.Clone(ids))) != len(ids) {
			t.Errorf("%s: sent in the order %v, want each once in the order queued", chat, ids)
		}
	}
}

// What holds a chat's newer message back on PostgreSQL: an older one being
// sent (leased) or retrying after a failure; not an older one that is simply
// due later, such as a notification gathering changes.
func TestClaimOutgoing_OlderMessageHoldsItsChat(t *testing.T) {
	db := open(t, emptiedDatabase(t))
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	chat := bot.Destination{Platform: "slack", Workspace: "T1", ChatID: "C1"}
	other := bot.Destination{Platform: "slack", Workspace: "T1", ChatID: "C2"}
	update := func(fn func(bot.Tx) error) {
		if err := db.Update(ctx, fn); err != nil {
			t.Fatal(err)
		}
	}
	ids := map[string]int64{}
	enqueue := func(key string, to bot.Destination, due time.Time, coalesce string) int64 {
		o := &bot.Outgoing{Key: key, To: to, NextAttempt: due, Coalesce: coalesce, Msg: bot.Message{Text: key}}
		if err := db.Update(ctx, func(tx bot.Tx) error { _, err := tx.Enqueue(o, now); return err }); err != nil {
			t.Fatal(err)
		}
		ids[key] = o.ID
		return o.ID
	}
	sent := func(keys ...string) {
		for _, k := range keys {
			update(func(tx bot.Tx) error { return tx.MarkSent(ids[k], "", now) })
		}
	}
	claim := func(at time.Time, limit int) (keys []string) {
		if err := db.Update(ctx, func(tx bot.Tx) error {
			os, err := tx.ClaimOutgoing("slack", at, time.Minute, "r", limit)
			keys = nil
			for _, o := range os {
				keys = append(keys, o.Key)
			}
			slices.Sort(keys)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return keys
	}
	a := enqueue("a", chat, now, "")
	enqueue("b", chat, now, "")
	enqueue("x", other, now, "")
	if got := claim(now, 1); fmt.Sprint(got) != "[a]" {
		t.Fatalf("first claim %v, want [a]", got)
	}
	if got := claim(now, 10); fmt.Sprint(got) != "[x]" {
		t.Errorf("while a is leased got %v, want only the other chat's [x]", got)
	}
	sent("x")
	update(func(tx bot.Tx) error { return tx.MarkRetry(a, now.Add(time.Minute), "boom") })
	if got := claim(now, 10); len(got) != 0 {
		t.Errorf("while a waits to be retried got %v, want nothing: b must not overtake it", got)
	}
	if got := claim(now.Add(time.Minute), 10); fmt.Sprint(got) != "[a b]" {
		t.Errorf("once a is due again got %v, want [a b]", got)
	}
	sent("a", "b")
	// A message handed back untried (deferred for a rate limit) holds its
	// chat as a retried one does (the deferral gap, migration 0237).
	c := enqueue("c", chat, now, "")
	enqueue("d", chat, now, "")
	if got := claim(now.Add(time.Minute), 1); fmt.Sprint(got) != "[c]" {
		t.Fatalf("claim of c %v", got)
	}
	update(func(tx bot.Tx) error { return tx.MarkDeferred(c, now.Add(90*time.Second)) })
	if got := claim(now.Add(time.Minute), 10); len(got) != 0 {
		t.Errorf("while c waits for a token got %v, want nothing: d must not overtake it", got)
	}
	if got := claim(now.Add(90*time.Second), 10); fmt.Sprint(got) != "[c d]" {
		t.Errorf("once c is due again got %v, want [c d]", got)
	}
	sent("c", "d")
	enqueue("later", other, now.Add(time.Hour), "digest")
	enqueue("now", other, now, "")
	if got := claim(now.Add(2*time.Minute), 10); fmt.Sprint(got) != "[now]" {
		t.Errorf("behind a notification due later got %v, want [now]", got)
	}
}
