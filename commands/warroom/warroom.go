// Package warroom creates war rooms: a group chat on one platform with the
// responders of a ticket in it, made by the bot outside any unit of work
// (a bot.JobFetcher job: fetch creates the group, apply records it). It
// knows nothing of tickets beyond their ids: the ticket feature schedules
// the job (Schedule) and says, through its Deps callbacks, how a war room
// is recorded and how a refusal is told. It lives apart from
// commands/ticket because that feature was built at the same time on
// another branch; it has no commands.
package warroom

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/commands"
)

// JobKind is the kind of the job that creates one war room.
const JobKind = "warroom"

// Request is a war room job's payload: which ticket it is for, where to
// create the group, its name and topic, and the members (user ids on that
// platform and workspace; Owner, when set, is made the owner where the
// platform has one).
type Request struct {
	TicketID  int64    `json:"ticket_id"`
	Platform  string   `json:"platform"`
	Workspace string   `json:"workspace"`
	Name      string   `json:"name"`
	Topic     string   `json:"topic,omitempty"`
	Members   []string `json:"members"`
	Owner     string   `json:"owner,omitempty"`
}

// Deps are what the war room job needs from its host.
type Deps struct {
	// Creators finds the app that creates groups on a platform and
	// workspace (cmd/tandem's senders).
	Creators bot.GroupCreators
	// Store is read, outside the writer, to see whether the ticket has its
	// war room already (Recorded) before asking the platform for one.
	Store bot.Store
	// Recorded reports the war room recorded for the ticket on platform and
	// workspace, if any (nil: nothing is ever recorded twice anyway, since
	// the job is done once its apply commits).
	Recorded func(tx bot.Tx, ticketID int64, platform, workspace string) (bot.Destination, bool, error)
	// OnCreated records the war room, in the unit that completes the job
	// (now is the run's). It is required.
	OnCreated func(tx bot.Tx, ticketID int64, d bot.Destination, now time.Time) error
	// OnRefused tells of a refusal no retry can change (the app lacks a
	// permission, no app there can create groups, a member the platform
	// does not know), in the unit that completes the job; err's text says
	// what an admin must do, in both languages. Without it the job fails,
	// is retried and ends dead, visible to admins.
	OnRefused func(tx bot.Tx, ticketID int64, err *bot.Error, now time.Time) error
	// Timeout bounds one fetch (default one minute).
	Timeout time.Duration
	Log     *slog.Logger
}

// Module is the war room job's handler (no commands). The ticket feature
// adds it with its callbacks: the job kind is claimed by one module only.
func Module(d Deps) commands.Module {
	return commands.Module{Name: "warroom", Jobs: map[string]bot.JobHandler{JobKind: &handler{d}}}
}

// Schedule queues a war room job for req in the unit tx, due at now. Its
// dedup key names the ticket, platform and workspace, so asking twice while
// one is pending queues one job.
func Schedule(tx bot.JobTx, req Request, now time.Time) (dup bool, err error) {
	if req.TicketID == 0 || req.Platform == "" {
		return false, errors.New("warroom: a request needs a ticket and a platform")
	}
	payload, err := json.Marshal(req)
	if err != nil {
		return false, err
	}
	return tx.ScheduleJob(&bot.Job{Kind: JobKind, Payload: payload, RunAt: now,
		DedupKey: fmt.Sprintf("warroom/%d/%s/%s", req.TicketID, req.Platform, req.Workspace)}, now)
}

// Key is the idempotency key of job's group: the same for every run of the
// job, and letters and digits only (it becomes a WeCom chatid and part of a
// Slack channel name).
func Key(ticketID int64, job *bot.Job) string { return fmt.Sprintf("t%dj%d", ticketID, job.ID) }

type handler struct{ d Deps }

// errFetchOnly is RunJob's answer: the job reaches the network.
var errFetchOnly = errors.New("warroom jobs run through FetchJob")

func (*handler) RunJob(context.Context, bot.Tx, *bot.Job, time.Time) error { return errFetchOnly }

func (h *handler) FetchTimeout() time.Duration {
	if h.d.Timeout > 0 {
		return h.d.Timeout
	}
	return time.Minute
}

func (h *handler) log() *slog.Logger {
	if h.d.Log != nil {
		return h.d.Log
	}
	return slog.Default()
}

// errNoCreator is the refusal when no configured app can create groups
// where the request asks.
func errNoCreator(platform string) *bot.Error {
	return bot.Errorf(bot.EUNAVAILABLE, "No %s app configured here can create group chats, so no war room was opened there.",
		"这里没有配置可以创建群聊的 %s 应用，所以没有在那里开作战室。", platform)
}

// FetchJob creates the group, unless the ticket's war room is recorded
// already, and returns the apply that records it.
//
// A kill after the platform created the group but before the apply
// committed leaves the job pending under a lease that runs out; the next
// run asks again with the same Key (derived from the job's id), and each
// platform answers with the group it created (see bot.GroupCreator for
// how far each guarantees it: WeCom always, by the chatid; DingTalk by the
// uuid; Feishu within 10 hours, by the uuid; Slack by the channel name,
// found among the bot's own channels). Once the apply has committed the job
// is done and never runs again, and a second job for the same ticket finds
// the war room recorded (Recorded) and creates nothing.
func (h *handler) FetchJob(ctx context.Context, job *bot.Job, now time.Time) (func(bot.Tx) error, error) {
	d := h.d
	if d.OnCreated == nil {
		return nil, errors.New("warroom: no OnCreated callback wired")
	}
	var req Request
	if err := json.Unmarshal(job.Payload, &req); err != nil {
		return nil, fmt.Errorf("warroom job payload: %w", err)
	}
	if d.Recorded != nil && d.Store != nil {
		var found bool
		err := d.Store.View(ctx, func(tx bot.Tx) (err error) {
			_, found, err = d.Recorded(tx, req.TicketID, req.Platform, req.Workspace)
			return err
		})
		if err != nil {
			return nil, err
		}
		if found {
			return nil, nil // recorded by an earlier job: nothing to create
		}
	}
	creator, ok := bot.GroupCreator(nil), false
	if d.Creators != nil {
		creator, ok = d.Creators.GroupCreator(req.Platform, req.Workspace)
	}
	if !ok {
		return h.refused(req, errNoCreator(req.Platform), nil, now)
	}
	spec := bot.GroupSpec{Workspace: req.Workspace, Name: req.Name, Topic: req.Topic, Key: Key(req.TicketID, job)}
	for _, id := range req.Members {
		spec.Members = append(spec.Members, bot.Account{Platform: req.Platform, Workspace: req.Workspace, UserID: id})
	}
	if req.Owner != "" {
		spec.Owner = bot.Account{Platform: req.Platform, Workspace: req.Workspace, UserID: req.Owner}
	}
	dest, err := creator.CreateGroup(ctx, spec)
	if err != nil {
		if be := refusal(err); be != nil {
			return h.refused(req, be, err, now)
		}
		// A rate limit or a transient failure: the job is retried with the
		// scheduler's backoff, with the same key.
		return nil, err
	}
	return func(tx bot.Tx) error {
		if d.Recorded != nil {
			if _, found, err := d.Recorded(tx, req.TicketID, req.Platform, req.Workspace); err != nil {
				return err
			} else if found {
				h.log().Warn("warroom: the ticket's war room was recorded meanwhile; this one is left unrecorded",
					"ticket", req.TicketID, "chat", dest.ChatID)
				return nil
			}
		}
		return d.OnCreated(tx, req.TicketID, dest, now)
	}, nil
}

// refusal is err as a refusal no retry can change, or nil: a bot.Error the
// platform gave for a permission, a bad request or a name taken, or a
// delivery error marked permanent.
func refusal(err error) *bot.Error {
	var be *bot.Error
	if errors.As(err, &be) {
		switch be.Code {
		case bot.EFORBIDDEN, bot.EINVALID, bot.ECONFLICT, bot.ENOTFOUND:
			return be
		}
		return nil
	}
	if de, ok := bot.AsDeliveryError(err); ok && de.Permanent {
		return bot.Errorf(bot.EINVALID, "The platform refused to create the war room; an admin can find why in the log.",
			"平台拒绝创建作战室；管理员可在日志中查看原因。")
	}
	return nil
}

// refused completes the job with OnRefused, or fails it when there is none.
func (h *handler) refused(req Request, be *bot.Error, cause error, now time.Time) (func(bot.Tx) error, error) {
	if cause == nil {
		cause = be
	}
	h.log().Warn("warroom: not created", "ticket", req.TicketID, "platform", req.Platform, "workspace", req.Workspace, "err", cause)
	if h.d.OnRefused == nil {
		return nil, be
	}
	return func(tx bot.Tx) error { return h.d.OnRefused(tx, req.TicketID, be, now) }, nil
}
