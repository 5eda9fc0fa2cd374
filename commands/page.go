package commands

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tandemhq/tandem/bot"
)

// PageSize is how many lines a list shows at once; later pages are asked
// for by number ("task list all page 2", "任务 列表 全部 第2页").
const PageSize = 50

// pageWords are the words before a page number, in either language.
var pageWords = []string{"page", "pg", "页", "第"}

// PageArg takes the page number out of a list command's words: "page 2",
// "page:2", "第2页", "第 2 页". It returns 1 when none is given, and the other
// words in order.
func PageArg(c *Ctx, args []Token) (int, []Token, error) {
	n, rest := 0, make([]Token, 0, len(args))
	num := ""
	for i := 0; i < len(args); i++ {
		t := args[i]
		switch {
		case t.Key != "" && Contains(pageWords, t.Key):
			num = t.Text
		case !t.Quoted && t.Key == "" && strings.HasPrefix(t.Text, "第") && strings.HasSuffix(t.Text, "页") && len(t.Text) > len("第页"):
			num = strings.TrimSuffix(strings.TrimPrefix(t.Text, "第"), "页")
		case !t.Quoted && t.Key == "" && Contains(pageWords, t.Text) && i+1 < len(args):
			i++
			num = strings.TrimSuffix(args[i].Text, "页")
			if i+1 < len(args) && args[i+1].Text == "页" {
				i++
			}
		default:
			rest = append(rest, t)
			continue
		}
		var err error
		if n, err = strconv.Atoi(strings.TrimSpace(num)); err != nil || n < 1 {
			return 0, nil, c.Usage(bot.Tf("%q is not a page number: pages start at 1.", "「%s」不是页码：页码从 1 开始。", num))
		}
	}
	return max(n, 1), rest, nil
}

// PageTitle is a list's title with the page it shows: "Your open tasks
// (3):" on a first page that is the whole list, "Your open tasks, page 2
// (51–100):" otherwise.
func PageTitle(c *Ctx, title bot.Text, page, shown int, more bool) string {
	if page == 1 && !more {
		return title.In(c.Lang) + c.T(" (%d):", "（%d）：", shown)
	}
	first := (page-1)*PageSize + 1
	return title.In(c.Lang) + c.T(", page %d (%d–%d):", "（第%d页，第%d–%d条）：", page, first, first+shown-1)
}

// NextPage tells how to see the next page: the command as typed, with the
// next page's number.
func NextPage(c *Ctx, cmdEN, cmdZH string, args []Token, page int) string {
	en, zh := cmdEN, cmdZH
	if len(args) > 0 {
		en, zh = en+" "+JoinRaw(args), zh+" "+JoinRaw(args)
	}
	return bot.T(fmt.Sprintf("Next page: `%s page %d`.", en, page+1), fmt.Sprintf("下一页：「%s 第%d页」。", zh, page+1)).In(c.Lang)
}
