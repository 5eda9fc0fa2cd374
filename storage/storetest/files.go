package storetest

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/files"
)

// fileTests hold a store to files.Store: what it keeps of a link, a card's
// links in the order added, one URL once per item, and the department and
// project lists newest first, paged.
var fileTests = map[string]func(*testing.T, bot.Store){
	"add, list a card's links, refuse a repeat": testFileLinksOf,
	"lists by department and project, paged":    testFindFileLinks,
}

func fileWorld(t *testing.T, s bot.Store) (ann, bob *bot.Person, design, market *bot.Department) {
	t.Helper()
	ann, bob = &bot.Person{Name: "Ann", Handle: "ann"}, &bot.Person{Name: "Bob", Handle: "bob"}
	design, market = &bot.Department{Name: "Design"}, &bot.Department{Name: "Marketing"}
	update(t, s, func(tx bot.Tx) error {
		return errors.Join(tx.CreatePerson(ann, t0), tx.CreatePerson(bob, t0), tx.CreateDepartment(design), tx.CreateDepartment(market))
	})
	return ann, bob, design, market
}

func testFileLinksOf(t *testing.T, s bot.Store) {
	ann, bob, design, _ := fileWorld(t, s)
	first := &files.Link{Subject: "task/1", Ref: "#1", URL: "https://example.com/brief.pdf", Title: "Brief", DeptID: design.ID,
		Project: "q3", AddedByID: ann.ID, AddedAt: t0}
	second := &files.Link{Subject: "task/1", URL: "https://example.com/logo.png", AddedByID: bob.ID, AddedAt: t0.Add(time.Minute)}
	update(t, s, func(tx bot.Tx) error {
		st := files.From(tx)
		return errors.Join(st.AddFileLink(first), st.AddFileLink(second),
			st.AddFileLink(&files.Link{Subject: "ticket/1", URL: first.URL, AddedByID: ann.ID, AddedAt: t0}))
	})
	if first.ID == 0 || second.ID == 0 || first.ID == second.ID {
		t.Fatalf("ids %d, %d: want two distinct ids", first.ID, second.ID)
	}
	update(t, s, func(tx bot.Tx) error {
		got, err := files.From(tx).FileLinksOf("task/1", 0, 10)
		if err != nil {
			return err
		}
		if want := []*files.Link{first, second}; !reflect.DeepEqual(got, want) {
			t.Errorf("FileLinksOf = %+v, want %+v", got, want)
		}
		if got, err := files.From(tx).FileLinksOf("task/1", 0, 1); err != nil || len(got) != 1 || got[0].ID != first.ID {
			t.Errorf("FileLinksOf limit 1 = %+v, %v; want the first", got, err)
		}
		if got, err := files.From(tx).FileLinksOf("task/1", 1, 5); err != nil || len(got) != 1 || got[0].ID != second.ID {
			t.Errorf("FileLinksOf offset 1 = %+v, %v; want the second", got, err)
		}
		if n, err := files.From(tx).CountFileLinks("task/1"); n != 2 || err != nil {
			t.Errorf("CountFileLinks = %d, %v; want 2", n, err)
		}
		if got, err := files.From(tx).FileLinksOf("task/2", 0, 10); len(got) != 0 || err != nil {
			t.Errorf("FileLinksOf another task = %+v, %v; want none", got, err)
		}
		return nil
	})
	err := s.Update(t.Context(), func(tx bot.Tx) error {
		return files.From(tx).AddFileLink(&files.Link{Subject: "task/1", URL: first.URL, AddedByID: bob.ID, AddedAt: t0})
	})
	wantCode(t, "the same URL twice on one item", err, bot.ECONFLICT)
}

func testFindFileLinks(t *testing.T, s bot.Store) {
	ann, _, design, market := fileWorld(t, s)
	var added []*files.Link
	update(t, s, func(tx bot.Tx) error {
		for i := range 5 {
			// Two links share an instant: the later id comes first.
			l := &files.Link{Subject: "task/1", URL: "https://example.com/" + string(rune('a'+i)), DeptID: design.ID,
				AddedByID: ann.ID, AddedAt: t0.Add(time.Duration(min(i, 3)) * time.Minute)}
			if i%2 == 0 {
				l.Project = "q3"
			}
			if err := files.From(tx).AddFileLink(l); err != nil {
				return err
			}
			added = append(added, l)
		}
		return files.From(tx).AddFileLink(&files.Link{Subject: "meeting/1", URL: "https://example.com/z", DeptID: market.ID,
			AddedByID: ann.ID, AddedAt: t0})
	})
	urls := func(f files.Filter) []string {
		var out []string
		update(t, s, func(tx bot.Tx) error {
			ls, err := files.From(tx).FindFileLinks(f)
			for _, l := range ls {
				out = append(out, l.URL[len("https://example.com/"):])
			}
			return err
		})
		return out
	}
	for _, c := range []struct {
		f    files.Filter
		want []string
	}{
		{files.Filter{DeptID: design.ID, Limit: 10}, []string{"e", "d", "c", "b", "a"}},
		{files.Filter{DeptID: design.ID, Limit: 2}, []string{"e", "d"}},
		{files.Filter{DeptID: design.ID, Limit: 2, Offset: 2}, []string{"c", "b"}},
		{files.Filter{DeptID: design.ID, Limit: 2, Offset: 4}, []string{"a"}},
		{files.Filter{DeptID: market.ID, Limit: 10}, []string{"z"}},
		{files.Filter{Project: "q3", Limit: 10}, []string{"e", "c", "a"}},
		{files.Filter{Project: "other", Limit: 10}, nil},
	} {
		if got := urls(c.f); !reflect.DeepEqual(got, c.want) {
			t.Errorf("FindFileLinks(%+v) = %q, want %q", c.f, got, c.want)
		}
	}
}
