package stats

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/stats"
	"github.com/tandemhq/tandem/commands"
)

func (f *feature) notifier() *bot.Notifier {
	return bot.NotifierOr(f.Notifier, f.DefaultLang, f.DefaultTZ)
}

// maxAdmins bounds who the monthly report goes to.
const maxAdmins = 100

// monthly is the monthly report to admins, a bot.JobFetcher: last month's
// figures are read and the chart drawn (once per language) outside the
// writer; the unit then tells each admin, keyed by month and person, so a
// month's report goes out once however often the job runs.
type monthly struct{ f *feature }

var errFetchOnly = errors.New("the stats report runs through FetchJob")

// RunJob implements bot.JobHandler; the scheduler runs FetchJob instead.
func (monthly) RunJob(context.Context, bot.Tx, *bot.Job, time.Time) error { return errFetchOnly }

// FetchTimeout implements bot.JobFetcher.
func (monthly) FetchTimeout() time.Duration { return time.Minute }

// FetchJob implements bot.JobFetcher.
func (h monthly) FetchJob(ctx context.Context, job *bot.Job, now time.Time) (func(bot.Tx) error, error) {
	f := h.f
	p := stats.LastMonth(now, f.zone())
	var fig *stats.Figures
	var names map[int64]string
	err := f.Store.View(ctx, func(tx bot.Tx) (err error) {
		fig, names, err = readFigures(tx, p, 0)
		return err
	})
	if err != nil {
		return nil, err
	}
	charts := map[bot.Lang]*bot.Image{}
	for _, lang := range []bot.Lang{bot.LangEN, bot.LangZH} {
		img, err := f.draw(fig, commands.Reader{Lang: lang, Loc: f.zone(), Now: now})
		if err != nil {
			f.logWarn("stats: drawing the monthly chart failed", "lang", lang, "err", err)
			continue
		}
		charts[lang] = img
	}
	month := p.From.Format("2006-01")
	return func(tx bot.Tx) error {
		admins, err := tx.FindPeopleByRole(bot.RoleAdmin, maxAdmins)
		if err != nil {
			return err
		}
		for _, a := range admins {
			key := fmt.Sprintf("stats/monthly/%s/%d", month, a.ID)
			nt := bot.Notice{To: a}
			_, err := f.notifier().Tell(tx, key, nt, now, func(lang bot.Lang, loc *time.Location) bot.Message {
				rd := commands.Reader{Lang: lang, Loc: loc, Now: now}
				return bot.Message{Text: rd.T("Monthly report — ", "月度报告——") + words(fig, names, nil, rd)}
			})
			if err != nil {
				return err
			}
			if len(charts) == 0 {
				continue
			}
			if _, err := f.notifier().Tell(tx, key+"/chart", nt, now, func(lang bot.Lang, loc *time.Location) bot.Message {
				if img := charts[lang]; img != nil {
					return bot.Message{Image: img}
				}
				return bot.Message{Image: charts[bot.LangEN]}
			}); err != nil {
				return err
			}
		}
		return nil
	}, nil
}
