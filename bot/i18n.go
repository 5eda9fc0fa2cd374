package bot

import (
	"fmt"
	"strings"
)

// Lang is a language a person reads replies in.
type Lang string

// The supported languages. Every reply and every command exists in both.
const (
	LangEN Lang = "en"
	LangZH Lang = "zh-CN"
)

// ParseLang accepts the spellings people type ("zh", "中文", "english", …).
func ParseLang(s string) (Lang, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "en", "en-us", "en-gb", "english", "英文", "英语":
		return LangEN, true
	case "zh", "zh-cn", "cn", "chinese", "中文", "汉语", "简体中文":
		return LangZH, true
	}
	return "", false
}

// Text is a sentence in both languages.
type Text struct {
	EN string
	ZH string
}

// T builds a Text.
func T(en, zh string) Text { return Text{EN: en, ZH: zh} }

// Tf builds a Text, formatting both sentences with the same args.
func Tf(en, zh string, args ...any) Text {
	if len(args) == 0 {
		return Text{EN: en, ZH: zh}
	}
	return Text{EN: fmt.Sprintf(en, args...), ZH: fmt.Sprintf(zh, args...)}
}

// In returns the sentence in lang, falling back to English.
func (t Text) In(lang Lang) string {
	if lang == LangZH && t.ZH != "" {
		return t.ZH
	}
	return t.EN
}
