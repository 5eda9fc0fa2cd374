package main

import (
	"strings"

	"github.com/tandemhq/tandem/commands/request"
)

// RequestsConfig is the requests' part of the configuration
// (commands/request): the approver chain of each kind of request and how
// long a step has to decide.
type RequestsConfig struct {
	// Chains are the steps per kind (budget, people, equipment): manager,
	// head, for, dept:<name> or @handle. A kind without one: manager,
	// then for.
	Chains map[string][]string `yaml:"chains"`
	// StepDays is the working days a step has to decide before it is
	// escalated to the approver's manager; 0 is 2.
	StepDays int `yaml:"step_days"`
}

// check reports unknown steps and a negative step_days.
func (c RequestsConfig) check(bad func(path, format string, args ...any)) {
	for k, steps := range c.Chains {
		if len(steps) == 0 {
			bad("requests.chains."+k, "needs at least one step")
		}
		for i, s := range steps {
			if err := request.CheckStep(s); err != nil {
				bad("requests.chains."+k, "step %d: %v", i+1, err)
			}
		}
	}
	if c.StepDays < 0 {
		bad("requests.step_days", "must be 0 (2 working days) or more, not %d", c.StepDays)
	}
}

// config is the feature's Config, kinds in lower case.
func (c RequestsConfig) config() request.Config {
	chains := map[string][]string{}
	for k, steps := range c.Chains {
		chains[strings.ToLower(k)] = steps
	}
	return request.Config{Chains: chains, StepDays: c.StepDays}
}
