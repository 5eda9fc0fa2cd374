// Package archtest checks that imports point the way the architecture says
// (docs/architecture.md): toward bot/, with only cmd/ wiring concrete parts
// together. Its test runs the check over the module's own packages, read
// from their sources, so an import that breaks the direction fails
// `go test ./...`.
package archtest

import (
	"fmt"
	"slices"
	"strings"
)

// Module is the module path the rules are written against.
const Module = "github.com/tandemhq/tandem"

// sharedAdapters are the adapter packages every adapter may use.
var sharedAdapters = []string{"adapters/webhook", "adapters/httpserver", "adapters/adaptertest"}

// layer is the top-level area of a package path inside the module: "bot",
// "adapters", "commands", "scheduler", "storage", "cmd", or "" for anything
// else (the standard library, other modules, internal/).
func layer(rel string) string {
	top, _, _ := strings.Cut(rel, "/")
	switch top {
	case "bot", "adapters", "commands", "scheduler", "storage", "cmd":
		return top
	}
	return ""
}

// forbidden lists, per layer, the layers its packages must not import.
var forbidden = map[string][]string{
	"bot":       {"adapters", "commands", "scheduler", "storage", "cmd"},
	"adapters":  {"commands", "scheduler", "storage", "cmd"},
	"commands":  {"adapters", "scheduler", "storage", "cmd"},
	"scheduler": {"adapters", "commands", "storage", "cmd"},
	"storage":   {"adapters", "commands", "scheduler", "cmd"},
	"cmd":       {"cmd"}, // a command is wired from packages, never from another command
}

// platform is the adapter a package under adapters/ belongs to: "slack" for
// adapters/slack and adapters/slack/slacktest.
func platform(rel string) string {
	parts := strings.SplitN(rel, "/", 3)
	if len(parts) < 2 || parts[0] != "adapters" {
		return ""
	}
	return parts[1]
}

// Violations returns, sorted, every import in imports (a package path to
// the paths it imports) that breaks the rules:
//   - bot/... imports nothing from adapters/, commands/, scheduler/,
//     storage/ or cmd/;
//   - an adapter imports no commands/, scheduler/, storage/ or cmd/, and no
//     other adapter except the shared ones (adapters/webhook,
//     adapters/httpserver, adapters/adaptertest); a platform's own
//     packages (its test kit) may import each other;
//   - commands/... imports no adapters/, scheduler/, storage/ or cmd/;
//   - scheduler/... imports no adapters/, commands/, storage/ or cmd/;
//   - storage/... imports no adapters/, commands/, scheduler/ or cmd/;
//   - only cmd/ imports several of them, and no cmd/ package another;
//   - a test kit (commandstest, storetest, slacktest…) may import the
//     concrete parts it builds a test world from, but no cmd/, and no
//     package other than a test kit imports one (tests are not packages).
func Violations(imports map[string][]string) []string {
	var out []string
	for pkg, deps := range imports {
		rel, ok := strings.CutPrefix(pkg, Module+"/")
		if !ok {
			continue
		}
		from := layer(rel)
		for _, dep := range deps {
			drel, ok := strings.CutPrefix(dep, Module+"/")
			if !ok {
				continue
			}
			to := layer(drel)
			switch {
			case isTestKit(drel) && !isTestKit(rel) && from != "":
				out = append(out, fmt.Sprintf("%s imports %s: only tests and other test kits use a test kit", rel, drel))
			case slices.Contains(forbidden[from], to) && !(isTestKit(rel) && to != "cmd"):
				// A test kit builds a real world for tests (a store, a
				// bot, a console) from the concrete parts: only cmd/ is
				// out of its reach.
				out = append(out, fmt.Sprintf("%s imports %s: %s/ must not import %s/", rel, drel, from, to))
			case from == "adapters" && to == "adapters" && platform(rel) != platform(drel) && !isShared(drel) && !isShared(rel):
				out = append(out, fmt.Sprintf("%s imports %s: adapters import only the shared adapter packages, not each other", rel, drel))
			case from == "adapters" && to == "adapters" && isShared(rel) && !isShared(drel):
				out = append(out, fmt.Sprintf("%s imports %s: a shared adapter package must not depend on one platform", rel, drel))
			}
		}
	}
	slices.Sort(out)
	return out
}

// isTestKit says whether a package is a test kit: a package of helpers for
// tests, named for what it tests with a "test" suffix (commandstest,
// storetest, slacktest, adaptertest), or inside one (storetest/memstore).
func isTestKit(rel string) bool {
	for _, part := range strings.Split(rel, "/") {
		if strings.HasSuffix(part, "test") && part != "test" {
			return true
		}
	}
	return false
}

func isShared(rel string) bool {
	for _, s := range sharedAdapters {
		if rel == s || strings.HasPrefix(rel, s+"/") {
			return true
		}
	}
	return false
}
