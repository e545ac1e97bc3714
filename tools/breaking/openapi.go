package main

import (
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oasdiff/oasdiff/checker"
	"github.com/oasdiff/oasdiff/diff"
	"github.com/oasdiff/oasdiff/load"
)

// stricter adjusts oasdiff's levels to the project's rules, which are the
// same for the AsyncAPI documents: every documented status code (an error
// response a client handles, too) is part of the contract, so removing one
// breaks; a new value of an enum the server sends (a new error code) is an
// addition: clients handle codes they do not know as errors.
var stricter = map[string]checker.Level{
	checker.ResponseNonSuccessStatusRemovedId: checker.ERR,
	checker.ResponsePropertyEnumValueAddedId:  checker.WARN,
}

// openAPIChanges runs oasdiff's backward-compatibility checks and returns
// the changes it rates as errors (breaking).
func openAPIChanges(old, current []byte, name string) ([]string, error) {
	loader := openapi3.NewLoader()
	base, err := load.NewSpecInfoFromData(loader, old, "base/"+name)
	if err != nil {
		return nil, fmt.Errorf("load base: %w", err)
	}
	revision, err := load.NewSpecInfoFromData(openapi3.NewLoader(), current, "revision/"+name)
	if err != nil {
		return nil, fmt.Errorf("load revision: %w", err)
	}
	report, sources, err := diff.GetWithOperationsSourcesMap(diff.NewConfig(), base, revision)
	if err != nil {
		return nil, fmt.Errorf("diff: %w", err)
	}
	localize := checker.NewDefaultLocalizer()
	var out []string
	config := checker.NewConfig(checker.GetAllChecks(), checker.WithSeverityLevels(stricter))
	for _, change := range checker.CheckBackwardCompatibility(config, report, sources) {
		if change.GetLevel() != checker.ERR {
			continue
		}
		where := change.GetOperation() + " " + change.GetPath()
		if change.GetPath() == "" {
			where = change.GetSection()
		}
		out = append(out, where+": "+change.GetUncolorizedText(localize))
	}
	return out, nil
}
