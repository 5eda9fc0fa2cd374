// Package timeparse understands the time expressions people type in chat, in
// English and Chinese: due dates ("fri 18:00", "明天下午3点"), reminder times
// ("in 20 minutes", "半小时后") and recurring schedules ("every weekday 9:30",
// "每周一、三 10点").
//
// The command parser splits a message into words and asks [Longest] for the
// longest prefix of words that forms one time expression; [Parse] is the
// whole-string variant and [LongestRule] the recurring-schedule variant.
// [LongestMeetingRule] reads a meeting's recurrence into the rule that
// bot/meeting stores and expands on the work calendar; it reads more than a
// reminder can repeat on (the first working day of the month, every other
// week), and LongestRule refuses those.
//
// # Why not github.com/olebedev/when
//
// The parser is written by hand. olebedev/when (v1.1.0) was evaluated and does
// not fit:
//
//   - It searches for regular-expression matches anywhere in a text and merges
//     matches that are close to each other, so it cannot say how many words an
//     expression spans, and it happily takes "明天" out of "明天开会". Our
//     callers need exact word-prefix semantics.
//   - Its Chinese rules are not part of its default parsers and are incomplete
//     or wrong for our table: no "1个小时后"/"以后", "今晚"/"晚上" means 22:00,
//     weekday arithmetic mixes Sunday=0 with "周天"=7 and uses weeks that start
//     on Sunday, and "N个月后" calls time.Now and discards the result.
//   - It calls time.Now when no base time is given and adds 24h durations for
//     days, which is wrong across DST changes; we must compute everything
//     from the caller's now in the caller's location.
//
// # How it works
//
// The input is lexed into tokens (ASCII digit runs, ASCII letter runs
// lower-cased, single punctuation characters, and single non-ASCII runes such as
// Chinese characters; full-width ASCII such as "：" or "１" is folded to
// ASCII first). Whitespace only separates tokens, which is why "明天下午3点"
// and "明天 下午3点" parse alike. A small recursive-descent parser then has to
// consume every token of a candidate prefix; [Longest] tries the longest
// candidate first. A word is therefore either consumed completely or not at
// all: a word such as "明天开会" that starts with a time but continues with
// other text is not split, and Longest reports ok=false for it.
//
// # Conventions
//
//   - Weeks start on Monday. "next monday"/"下周一" is the Monday of the next
//     calendar week, "this friday"/"本周五" the Friday of the current week
//     (which may be in the past), and a bare weekday is the next such day,
//     today included unless a clock is given that has already passed.
//   - A bare clock ("17:00", "5pm", "下午3点") is the next such moment: today
//     if still ahead (strictly after now), else tomorrow. A month/day without
//     a year and a day of month ("1号") likewise mean the next occurrence that
//     is not in the past.
//   - Chinese hours without a period are read on a 24-hour clock: "3点" is
//     03:00, "下午3点" is 15:00.
//   - "midnight", "晚上12点" and "24:00" are the end of the day, i.e. 00:00 of
//     the following day.
//   - A period without a clock gets a default clock: morning/早上/上午 09:00,
//     中午 12:00, afternoon/下午 15:00, 傍晚 18:00, evening/night/tonight/今晚/
//     晚上 20:00.
//   - The end of the working day ("eod", "end of day", "cob", "下班前",
//     "今天下班前", "fri eod") is a date with Result.EndOfDay set: only the
//     caller knows when the day ends (bot.due_time). Without a day it is
//     today's, even when today's has passed; the caller says so.
//   - The end of the month ("end of month", "eom", "月底", "月末", "下个月底",
//     "月底前") is the month's last calendar day, without a clock.
//   - Durations ("in 2 hours", "半小时后") are added to now exactly (seconds are
//     kept) and have HasClock=true. Day, week and month durations are
//     calendar arithmetic, so "in 3 days at 5pm" and "三天后下午3点" work.
package timeparse
