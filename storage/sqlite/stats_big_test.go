package sqlite_test

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/stats"
	"github.com/tandemhq/tandem/bot/task"
	"github.com/tandemhq/tandem/storage/sqlite"
)

// BenchmarkStatsMonth reads a month's figures from a year of counters
// (365 days × 10 departments × 4 platforms × 10 commands, about 146,000
// rows) and 100,000 tasks spread over the year, as `stats month:…` does:
// the month's usage rows, the top commands, and tasks counted day by day.
// Seeding takes seconds, so it runs only with -bench:
//
//	go test ./storage/sqlite -run '^$' -bench BenchmarkStatsMonth -benchtime 20x
func BenchmarkStatsMonth(b *testing.B) {
	db := sqlite.NewDB(filepath.Join(b.TempDir(), "big.db"))
	db.Log = slog.New(slog.DiscardHandler)
	if err := db.Open(); err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	loc := time.UTC
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, loc)
	platforms := []string{"slack", "feishu", "wecom", "dingtalk"}
	must := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	var creator int64
	must(db.Update(ctx, func(tx bot.Tx) error {
		p := &bot.Person{Name: "Creator", Handle: "creator"}
		err := tx.CreatePerson(p, start)
		creator = p.ID
		for d := 1; d <= 10; d++ {
			if err == nil {
				err = tx.CreateDepartment(&bot.Department{Name: fmt.Sprintf("Dept %d", d)})
			}
		}
		return err
	}))
	for day := 0; day < 365; day++ {
		must(db.Update(ctx, func(tx bot.Tx) error {
			c, _ := bot.Contract[bot.UsageCounter](tx)
			date := start.AddDate(0, 0, day).Format(time.DateOnly)
			for dept := int64(1); dept <= 10; dept++ {
				for _, pl := range platforms {
					for cmd := 0; cmd < 10; cmd++ {
						if err := c.CountUsage(bot.Usage{Day: date, DeptID: dept, Platform: pl, Kind: bot.UsageCommand, Command: fmt.Sprint("cmd", cmd)}); err != nil {
							return err
						}
					}
				}
			}
			return nil
		}))
	}
	const tasks, batch = 100_000, 5_000
	for i := 0; i < tasks; i += batch {
		must(db.Update(ctx, func(tx bot.Tx) error {
			for j := i; j < i+batch; j++ {
				created := start.Add(time.Duration(j) * (365 * 24 * time.Hour / tasks))
				tk := &task.Task{Title: "t", CreatorID: creator, DeptID: int64(j%10 + 1), Priority: task.PriorityNormal, Status: task.Todo,
					Due: created.Add(48 * time.Hour), CreatedAt: created, UpdatedAt: created}
				if j%2 == 0 {
					tk.Status, tk.ClosedAt = task.Done, created.Add(time.Duration(j%5)*24*time.Hour)
				}
				if err := task.From(tx).CreateTask(tk); err != nil {
					return err
				}
			}
			return nil
		}))
	}
	p := stats.MonthOf(2026, 11, loc)
	b.ResetTimer()
	for b.Loop() {
		must(db.View(ctx, func(tx bot.Tx) error {
			s := stats.From(tx)
			rows, err := s.UsageRows(p.First(), p.Last(), 0)
			if err != nil || len(rows) != 30*10*4 {
				return fmt.Errorf("usage rows %d, %v", len(rows), err)
			}
			if _, err := s.TopCommands(p.First(), p.Last(), 3, 5); err != nil {
				return err
			}
			days := p.Days()
			for i, d := range days {
				end := p.To
				if i+1 < len(days) {
					end = days[i+1]
				}
				if _, err := s.CountTasks(d, end, 0); err != nil {
					return err
				}
			}
			return nil
		}))
	}
}
