package specs

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// The therapy documents state rules of their own that their prose and
// examples must keep; a client reads the examples as the rule.

// TestTherapyErrorExamplesStartWithTheirField: "message … starts with the
// name of the parameter or field at fault".
func TestTherapyErrorExamplesStartWithTheirField(t *testing.T) {
	doc := loadOpenAPI(t, "therapy.openapi.yaml")
	checked := 0
	for _, ex := range openAPIExamples(doc) {
		body, ok := ex.value.(map[string]any)
		if !ok || body["status"] != "error" {
			continue
		}
		checked++
		field, _ := body["field"].(string)
		message, _ := body["message"].(string)
		if field != "" && !strings.HasPrefix(message, field+" ") {
			t.Errorf("therapy.openapi.yaml#%s: message %q does not start with its field %q", ex.pointer, message, field)
		}
	}
	if checked == 0 {
		t.Fatal("no error examples found in therapy.openapi.yaml")
	}
}

// therapyTokenFaults are the token faults the Authentication section of
// therapy.openapi.yaml lists, in its words; the server refuses each with 401.
var therapyTokenFaults = []string{
	"missing", "not `Bearer <token>`", "does not parse", "another algorithm",
	"a wrong signature", "no `sub`", "no `exp`", "an `exp` in the past",
}

// TestTherapy401DescriptionsListTheSameFaults: every place that says when
// the therapy REST API or its events socket answers 401 lists all of them,
// so no reader of one place learns a shorter list.
func TestTherapy401DescriptionsListTheSameFaults(t *testing.T) {
	rest := loadYAML(t, "therapy.openapi.yaml")
	restInfo := lookup(t, rest, "info", "description")
	events := loadYAML(t, "therapy-events.asyncapi.yaml")
	descriptions := map[string]string{
		"therapy.openapi.yaml: Authentication section":               section(t, restInfo, "## Authentication"),
		"therapy.openapi.yaml: the errors table's 401 row":           tableRow(t, restInfo, "401"),
		"therapy.openapi.yaml: the Auth decision":                    bullet(t, restInfo, "**Auth.**"),
		"therapy.openapi.yaml#/components/securitySchemes":           lookup(t, rest, "components", "securitySchemes", "bearerAuth", "description"),
		"therapy.openapi.yaml#/components/responses/Unauthorized":    lookup(t, rest, "components", "responses", "Unauthorized", "description"),
		"therapy-events.asyncapi.yaml: the refusals table's 401 row": tableRow(t, lookup(t, events, "info", "description"), "401"),
		"therapy-events.asyncapi.yaml: the 401 upgrade response":     lookup(t, events, "channels", "/api/v1/sessions/{session_id}/events", "x-upgrade-responses", "401", "description"),
	}
	for where, text := range descriptions {
		text = strings.Join(strings.Fields(text), " ")
		for _, fault := range therapyTokenFaults {
			if !strings.Contains(text, fault) {
				t.Errorf("%s does not list the 401 case %q: %s", where, fault, text)
			}
		}
	}
}

func loadYAML(t *testing.T, file string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return doc
}

// lookup follows keys through a decoded YAML document to a string.
func lookup(t *testing.T, node any, keys ...string) string {
	t.Helper()
	for _, k := range keys {
		m, ok := node.(map[string]any)
		if !ok {
			t.Fatalf("%v: not a mapping at %q", keys, k)
		}
		node = m[k]
	}
	s, ok := node.(string)
	if !ok {
		t.Fatalf("%v: not a string", keys)
	}
	return s
}

// section is the Markdown section under heading, up to the next heading.
func section(t *testing.T, markdown, heading string) string {
	t.Helper()
	_, rest, ok := strings.Cut(markdown, heading)
	if !ok {
		t.Fatalf("no %q section", heading)
	}
	body, _, _ := strings.Cut(rest, "\n## ")
	return body
}

// tableRow is the Markdown table row whose first cell is key.
func tableRow(t *testing.T, markdown, key string) string {
	t.Helper()
	row := regexp.MustCompile(`(?m)^\s*\|\s*` + regexp.QuoteMeta(key) + `\s*\|.*$`).FindString(markdown)
	if row == "" {
		t.Fatalf("no table row %q", key)
	}
	return row
}

// bullet is the Markdown list item that starts with title, up to the next item.
func bullet(t *testing.T, markdown, title string) string {
	t.Helper()
	_, rest, ok := strings.Cut(markdown, "- "+title)
	if !ok {
		t.Fatalf("no list item %q", title)
	}
	body, _, _ := strings.Cut(rest, "\n- ")
	return body
}
