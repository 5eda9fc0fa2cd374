// Package picture describes the progress pictures Tandem sends into chats —
// a kanban board, a Gantt chart, a line chart such as a burndown, a heat
// map such as which departments work with which — as plain
// data, and the Painter that turns them into PNGs (adapters/draw). Features
// build a picture's data in the reader's language and zone (every label is
// already words, every date already a date in the reader's calendar); the
// painter only draws. It imports bot only.
package picture

import (
	"time"

	"github.com/tandemhq/tandem/bot"
)

// Painter draws pictures as PNG images (bot.NewImage: name, alt text and
// bytes, at most bot.MaxImageBytes). Drawing is pure CPU work, tens of
// milliseconds: callers draw outside write units (a prepare step, or a job
// that reads with Store.View first). A Painter is safe for concurrent use.
type Painter interface {
	Board(b Board) (*bot.Image, error)
	Gantt(g Gantt) (*bot.Image, error)
	Lines(l Lines) (*bot.Image, error)
	HeatMap(h HeatMap) (*bot.Image, error)
}

// Tone colours a card, bar or mark by what it means to the reader.
type Tone int

// Tones.
const (
	Neutral Tone = iota // planned, to do
	Active              // in progress
	Good                // done, on track
	Warn                // at risk
	Bad                 // late, overdue, blocked
	Muted               // cancelled, not counted
)

// Board is a kanban board: columns left to right.
type Board struct {
	Name    string // file name, e.g. "board.png"
	Title   string
	Alt     string // what it shows, for readers without pictures
	Columns []Column
}

// Column is one status of a board.
type Column struct {
	Title string
	Cards []Card
	// More counts cards left out for room ("+12 more" under the column).
	More      int
	MoreLabel string // the words for "+N more" in the reader's language, with %d
}

// Card is one item on a board.
type Card struct {
	Title string // wrapped per character when Chinese, per word otherwise
	Note  string // a second, smaller line: owner, due date
	Tone  Tone
}

// Gantt is a Gantt chart over whole days: bars for work, diamonds for
// milestones, non-working days shaded, today marked.
type Gantt struct {
	Name  string
	Title string
	Alt   string
	// From and To are the first and last day shown (dates: only year,
	// month and day are read).
	From, To time.Time
	// Off lists the non-working days in [From, To] (weekends, holidays),
	// which are shaded; OffLabel names the shading in the legend.
	Off      []time.Time
	OffLabel string
	Today    time.Time // zero: not marked
	// TodayLabel names today's line in the legend ("today", "今天");
	// empty: not in the legend.
	TodayLabel string
	Rows       []Bar
	// MoreLabel is the words for the "+N more" row that replaces rows past
	// what fits, with %d ("+%d more", "还有 %d 项").
	MoreLabel string
	Marks     []Mark
	// Legend names each tone used, in the reader's language.
	Legend map[Tone]string
}

// Bar is one row of a Gantt chart: a task from its start day to its end day,
// inclusive.
type Bar struct {
	Label      string
	Start, End time.Time
	Tone       Tone
	// Critical outlines the bar: the task is on the critical path.
	Critical bool
}

// Mark is a milestone on a Gantt chart, drawn as a diamond on its day.
type Mark struct {
	Label string
	At    time.Time
	Tone  Tone
}

// Lines is a line chart (a burndown: remaining work by day against the
// ideal line).
type Lines struct {
	Name   string
	Title  string
	Alt    string
	XNames []string // one label per point, e.g. "12-07"
	YName  string   // what the values count, e.g. "open tasks"
	Series []Series
	// Shade lists indexes of XNames whose points fall on non-working
	// days; their columns are shaded.
	Shade []int
}

// Series is one line. A NaN value leaves a gap (a day not yet come).
type Series struct {
	Name   string
	Values []float64
	Tone   Tone
	Dashed bool
}

// HeatMap is a grid of numbers coloured by value (which departments work
// with which: a row per department the work comes from, a column per
// department it goes to).
type HeatMap struct {
	Name  string
	Title string
	Alt   string
	Rows  []string
	// Columns name the columns; RowName and ColumnName say what rows and
	// columns are ("from", "to"), shown at the grid's corner.
	Columns             []string
	RowName, ColumnName string
	// Values[row][column]; NaN leaves a cell blank and grey (a department
	// with itself). Missing values are blank too.
	Values [][]float64
	// Legend says what the values count, beside the colour scale
	// ("interactions", "互动次数").
	Legend string
}
