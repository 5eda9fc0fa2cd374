package commands_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/tandemhq/tandem/commands/commandstest"
	"github.com/tandemhq/tandem/commands/features"
)

// isChinese reports whether r is a Chinese character or full-width
// punctuation (、。「」 and the full-width forms ，：（）！？).
func isChinese(r rune) bool {
	return unicode.Is(unicode.Han, r) || r >= 0x3000 && r <= 0x303F || r >= 0xFF00 && r <= 0xFFEF
}

// asciiNextToChinese finds the ASCII punctuation , : ; ! ? ( ) written next
// to a Chinese character, where Chinese text uses ，：；！？（）. What stands in
// 「」 or backticks (a command, something typed) is not checked, nor is a
// colon that joins an option to its value with no space ("截止:周五",
// "部门:<名称>"): that is command syntax.
func asciiNextToChinese(s string) []string {
	var rs []rune
	quoted, code := 0, false
	for _, r := range s {
		switch {
		case r == '`':
			code = !code
			r = ' '
		case r == '「':
			quoted++
		case r == '」' && quoted > 0:
			quoted--
		case quoted > 0 || code:
			r = ' '
		}
		rs = append(rs, r)
	}
	var bad []string
	for i, r := range rs {
		if !strings.ContainsRune(",:;!?()", r) {
			continue
		}
		before := i > 0 && isChinese(rs[i-1])
		after := i+1 < len(rs) && isChinese(rs[i+1])
		if r == ':' && i+1 < len(rs) && (rs[i+1] == '<' || unicode.IsLetter(rs[i+1]) || unicode.IsDigit(rs[i+1])) {
			continue // option:value
		}
		if before || after {
			from, to := max(0, i-6), min(len(rs), i+7)
			bad = append(bad, strconv.Quote(string(rs[from:to])))
		}
	}
	return bad
}

// chineseLiterals returns the string literals of the Chinese text in the Go
// files of dir: the Chinese argument of bot.T, bot.Tf, c.T and bot.Errorf,
// any string argument that follows an English one (the helpers that take
// both), and ZH fields.
func chineseLiterals(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		collect := func(e ast.Expr) {
			ast.Inspect(e, func(n ast.Node) bool {
				if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					if s, err := strconv.Unquote(lit.Value); err == nil && hasHan(s) {
						out[fset.Position(lit.Pos()).String()] = s
					}
				}
				return true
			})
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				name := ""
				switch fn := n.Fun.(type) {
				case *ast.Ident:
					name = fn.Name
				case *ast.SelectorExpr:
					if x, ok := fn.X.(*ast.Ident); ok && x.Name == "fmt" {
						return true
					}
					name = fn.Sel.Name
				}
				switch {
				case (name == "T" || name == "Tf") && len(n.Args) >= 2:
					collect(n.Args[1])
				case name == "Errorf" && len(n.Args) >= 3:
					collect(n.Args[2])
				}
				for i := 1; i < len(n.Args); i++ {
					if prev, ok := n.Args[i-1].(*ast.BasicLit); ok && prev.Kind == token.STRING && !hasHan(prev.Value) {
						collect(n.Args[i])
					}
				}
			case *ast.KeyValueExpr:
				if k, ok := n.Key.(*ast.Ident); ok && k.Name == "ZH" {
					collect(n.Value)
				}
			}
			return true
		})
	}
	return out
}

func hasHan(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0
}

// Ensure Chinese replies use full-width punctuation next to Chinese
// characters: every Chinese sentence in the commands, the bot and the
// adapters, and the Chinese help.
func TestChinesePunctuation(t *testing.T) {
	dirs := []string{".", "../bot"}
	subdirs, _ := filepath.Glob("*")
	bots, _ := filepath.Glob("../bot/*")
	adapters, _ := filepath.Glob("../adapters/*")
	for _, d := range append(append(subdirs, bots...), adapters...) {
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			dirs = append(dirs, d)
		}
	}
	n := 0
	for _, dir := range dirs {
		for pos, s := range chineseLiterals(t, dir) {
			n++
			if bad := asciiNextToChinese(s); len(bad) > 0 {
				t.Errorf("%s: %q has ASCII punctuation next to Chinese: %s", pos, s, strings.Join(bad, ", "))
			}
		}
	}
	if n < 300 {
		t.Fatalf("found only %d Chinese texts; the collector is broken", n)
	}
	for _, golden := range []string{"help.zh.golden", "help_task.zh.golden"} {
		data, err := os.ReadFile(filepath.Join("testdata", golden))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			if bad := asciiNextToChinese(line); len(bad) > 0 {
				t.Errorf("%s: %q has ASCII punctuation next to Chinese: %s", golden, line, strings.Join(bad, ", "))
			}
		}
	}
}

// Ensure the rule finds what it should, and leaves command syntax alone.
func TestChinesePunctuation_Rule(t *testing.T) {
	for s, want := range map[string]int{
		"已创建任务 #2，负责人 @bob。": 0,
		"截止: 11月20日":         1,
		"标题太长了(最多 %d 个字)。":   2,
		"好的!":                1,
		"可以用「任务 新建 \"x\" 截止:周五」创建。": 0,
		"[截止:<时间>] [优先级:高]":         0,
		"用法：`任务 列表 [部门:<名称>]`":      0,
		"Try: 明天, 2月14日.":           1, // English, but checked if asked
		"@alice 把 #1 改为「进行中」。":      0,
	} {
		if got := len(asciiNextToChinese(s)); got != want {
			t.Errorf("asciiNextToChinese(%q) finds %d, want %d", s, got, want)
		}
	}
}

// Ensure what the commands say in Chinese, put together at run time, keeps
// to full-width punctuation too (lists joined, labels, times).
func TestChinesePunctuation_Replies(t *testing.T) {
	h := commandstest.New(t, commandstest.WorkCalendar(t), func(d *features.Deps) {
		d.NextRun = func(string, time.Time, *time.Location) (time.Time, error) {
			return commandstest.Friday10.Add(time.Hour), nil
		}
	})
	h.Admin("root")
	h.Say("root", "dept add 设计部 @carol")
	h.Say("root", "dept add 市场部")
	for _, user := range []string{"alice", "bob", "carol"} {
		h.Expect(user, "语言 中文", "中文")
	}
	var replies []string
	for _, cmd := range []string{
		"帮助", "帮助 任务", "帮助 提醒", "帮助 日历", "帮助 管理",
		`任务 新建 "海报" @bob 截止:周五18点 优先级:高 部门:设计部`,
		`任务 新建 "海报" 截止:某天`, `任务 新建 "海报" 部门:不存在`, "任务 完成 1", "任务 列表", "任务 列表 全部",
		"任务 查看 1", "任务 截止 1 明天下午3点", "任务 优先级 1 紧急", "任务 评论 1 好的", "任务 指派 1 @carol",
		"任务 列表 状态:未知", "任务 标题", "任务 查看 99", "任务 开始 x",
		"部门 列表", "部门 加入 不存在",
		"提醒 我 明天上午9点 交报告", "提醒 我 每个工作日 9:30 站会", "提醒 列表", "提醒 取消 99", "提醒 我 某天 交报告",
		"日历", "日历 2026-02-16", "日历 月 2026-02", "日历 下个工作日", "日历 2027-02-08", "日历 某天",
		`工单 新建 「样品破损」 优先级：高 部门：设计部 影响：「2家客户」`, "工单 查看 1", "工单 受理 1", "工单 列表 全部",
		"工单 搜索 样品", "工单 统计", "工单 新建", "工单 指派 1 @bob", "工单 关闭 1",
		`任务 新建 "自己的" 截止:今天18点`, "摘要", "摘要 现在", "我是谁", "时区 火星", "语言 克林贡", "管理 作业", "关联", "不存在的命令",
		"帮助 会议", "帮助 纪要", "帮助 群", `会议 新建 「周会」 周一 14:00 1小时 @bob @carol 部门：设计部 会议室：「3F-A」`,
		`会议 新建 「冲突」 周一 14:30 @bob`, `会议 新建 「周会」 每周一 10:00 @bob`, "会议 新建 「x」 周一 颜色：红 @bob", "会议 查看 1", "会议 列表",
		`会议 议程 添加 1 「预算」 @bob 10分钟 https://docs.example.com/b`, "会议 议程 列表 1", "会议 修改 1 周二 15:00 +@carol",
		"纪要 1 决定 采用B方案", `纪要 1 行动 @bob 「发送预算」 截止：周三`, "纪要 1 随便", "纪要 1 发送", "纪要 1", "会议 取消 1 改期",
		"群 绑定 部门：设计部", "会议 接受 1",
	} {
		replies = append(replies, h.Say("alice", cmd))
	}
	for _, cmd := range []string{"管理 作业", "管理 消息", "管理 通讯录"} {
		replies = append(replies, h.Say("root", "语言 中文"), h.Say("root", cmd))
	}
	replies = append(replies, h.QueuedFor("bob")...)
	replies = append(replies, h.QueuedFor("carol")...)
	for _, r := range replies {
		for _, line := range strings.Split(r, "\n") {
			if bad := asciiNextToChinese(line); len(bad) > 0 {
				t.Errorf("%q has ASCII punctuation next to Chinese: %s", line, strings.Join(bad, ", "))
			}
		}
	}
}
