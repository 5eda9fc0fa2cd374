package main

import (
	"strings"
	"testing"
)

func TestRequestsConfig(t *testing.T) {
	cfg, err := ParseConfig(strings.NewReader("requests:\n  step_days: 3\n  chains:\n    Budget: [manager, \"dept:Finance\", \"@cfo\"]\n"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	got := cfg.Requests.config()
	if got.StepDays != 3 || strings.Join(got.Chains["budget"], ",") != "manager,dept:Finance,@cfo" {
		t.Fatalf("requests config: %+v", got)
	}
	for _, bad := range []string{"requests:\n  chains:\n    budget: [boss]\n", "requests:\n  chains:\n    budget: []\n", "requests:\n  step_days: -1\n"} {
		cfg, err := ParseConfig(strings.NewReader(bad), env(nil))
		if err == nil {
			err = cfg.Validate()
		}
		if err == nil || !strings.Contains(err.Error(), "requests.") {
			t.Errorf("%q: %v, want an error naming requests.", bad, err)
		}
	}
}
