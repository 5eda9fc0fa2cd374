package console_test

import (
	"strings"
	"testing"

	"github.com/tandemhq/tandem/adapters/adaptertest"
	"github.com/tandemhq/tandem/adapters/console"
)

// Ensure the console renders every fixture of the rendering contract as
// reviewed in testdata/render.golden (go test ./adapters/console -run
// Render -update rewrites it).
func TestRender(t *testing.T) {
	var b strings.Builder
	for _, f := range adaptertest.RenderFixtures() {
		b.WriteString("=== " + f.Name + "\n")
		b.WriteString(console.Render(f.Msg))
		b.WriteString("\n\n")
	}
	adaptertest.Golden(t, "testdata/render.golden", []byte(b.String()))
}
