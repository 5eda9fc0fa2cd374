package main

import (
	"strings"
	"testing"
)

// Ensure people[].manager names another person of the config, and that a
// chain of managers coming back to where it began is refused.
func TestParseConfig_Managers(t *testing.T) {
	in := `
people:
  - {name: Ann, handle: ann, manager: bob}
  - {name: Bob, handle: bob, manager: ann}
  - {name: Cy, handle: cy, manager: ghost}
  - {name: Di, handle: di, manager: di}
  - {name: Ed, handle: ed, manager: ann, position: Designer}
`
	_, err := ParseConfig(strings.NewReader(in), env(nil))
	if err == nil {
		t.Fatal("invalid managers accepted")
	}
	for _, want := range []string{
		`people[0].manager: the managers of "ann" come back to them`,
		`people[1].manager: the managers of "bob" come back to them`,
		`people[2].manager: "ghost" is not a handle in people`,
		`people[3].manager: "di" is the person themselves`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "people[4]") {
		t.Errorf("ed, who reports to ann in a loop he is not in, is refused:\n%v", err)
	}
	ok := "people:\n  - {name: Ann, handle: ann, position: CEO}\n  - {name: Bob, handle: bob, manager: Ann, position: 设计师}\n"
	cfg, err := ParseConfig(strings.NewReader(ok), env(nil))
	if err != nil || cfg.People[1].Manager != "Ann" || cfg.People[1].Position != "设计师" {
		t.Fatalf("cfg = %+v, %v", cfg.People, err)
	}
}

// Ensure the config's position and manager are applied at start (a
// manager named after their report too), and that a later start applies
// a change.
func TestSeed_PositionAndManager(t *testing.T) {
	w := newSeedWorld(t)
	cfg := Config{People: []PersonConfig{
		{Name: "Bob", Handle: "bob", Position: "Designer", Manager: "ann"},
		{Name: "Ann", Handle: "ann", Position: "Head of Design"},
		{Name: "Cy", Handle: "cy"},
	}}
	w.start(cfg)
	ann, _ := w.person("ann")
	bob, _ := w.person("bob")
	if bob.Position != "Designer" || bob.ManagerID != ann.ID || ann.Position != "Head of Design" {
		t.Fatalf("bob = %+v, ann = %+v", bob, ann)
	}
	cfg.People[0].Manager = "cy"
	w.start(cfg)
	cy, _ := w.person("cy")
	if bob, _ = w.person("bob"); bob.ManagerID != cy.ID {
		t.Fatalf("bob reports to %d after the config changed; want cy %d", bob.ManagerID, cy.ID)
	}
}
