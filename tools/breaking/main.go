// Command breaking lists the breaking changes between each spec in specs/
// and its version at a git ref, and fails when a spec changed in a breaking
// way without raising the major of its info.version.
//
//	go run ./tools/breaking -base main~1
//
// OpenAPI documents are compared with oasdiff (its backward-compatibility
// checks at level ERR). AsyncAPI documents are compared by the same rules
// over their channels and the JSON Schemas generated for every message
// (gen/<package>/schemas, committed at both revisions): removed channels,
// messages, fields, close codes and upgrade responses; for what the client
// sends, narrowed types, enums and bounds and newly required fields; for
// what the server sends, removed or no longer required fields, widened
// types and removed enum values (error codes among them).
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

func main() {
	base := flag.String("base", "HEAD~1", "git ref to compare the specs with")
	specsDir := flag.String("specs", "specs", "directory of the spec documents")
	flag.Parse()
	if err := run(*base, *specsDir); err != nil {
		fmt.Fprintln(os.Stderr, "breaking:", err)
		os.Exit(1)
	}
}

// report is what one spec's comparison found.
type report struct {
	file                 string
	baseVersion, version string
	changes              []string
	majorRaised, newSpec bool
	unreadableBase       error
}

func (r report) blocking() bool { return len(r.changes) > 0 && !r.majorRaised }

func run(base, specsDir string) error {
	if err := exec.Command("git", "rev-parse", "--verify", "--quiet", base+"^{commit}").Run(); err != nil {
		fmt.Printf("breaking: no commit %q to compare with (a first commit or a shallow clone); nothing to check\n", base)
		return nil
	}
	files, err := filepath.Glob(filepath.Join(specsDir, "*.yaml"))
	if err != nil {
		return err
	}
	packages, err := generatedPackages(specsDir)
	if err != nil {
		return err
	}
	var blocked []string
	for _, file := range files {
		r, err := compareSpec(base, file, packages[filepath.Base(file)])
		if err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		printReport(r)
		if r.blocking() {
			blocked = append(blocked, filepath.Base(file))
		}
	}
	if len(blocked) > 0 {
		return fmt.Errorf("breaking changes without a new major info.version in %s", strings.Join(blocked, ", "))
	}
	return nil
}

func compareSpec(base, file, pkg string) (report, error) {
	r := report{file: filepath.Base(file)}
	current, err := os.ReadFile(file)
	if err != nil {
		return r, err
	}
	old, err := gitShow(base, file)
	if err != nil {
		r.newSpec = true
		return r, nil
	}
	r.baseVersion, r.version = infoVersion(old), infoVersion(current)
	r.majorRaised = major(r.version) > major(r.baseVersion)
	if isOpenAPI(current) {
		r.changes, err = openAPIChanges(old, current, r.file)
	} else {
		r.changes, err = asyncAPIChanges(base, old, current, pkg)
	}
	sort.Strings(r.changes)
	return r, err
}

func printReport(r report) {
	switch {
	case r.newSpec:
		fmt.Printf("%s: new spec, nothing to compare\n", r.file)
	case len(r.changes) == 0:
		fmt.Printf("%s: no breaking change (%s)\n", r.file, r.version)
	default:
		verdict := "info.version major not raised: FAIL"
		if r.majorRaised {
			verdict = "allowed: info.version major raised"
		}
		fmt.Printf("%s: %d breaking change(s), %s -> %s, %s\n", r.file, len(r.changes), r.baseVersion, r.version, verdict)
		for _, c := range r.changes {
			fmt.Printf("  - %s\n", c)
		}
	}
}

func gitShow(ref, path string) ([]byte, error) {
	out, err := exec.Command("git", "show", ref+":"+filepath.ToSlash(path)).Output()
	if err != nil {
		return nil, fmt.Errorf("git show %s:%s: %w", ref, path, err)
	}
	return out, nil
}

var (
	openAPIHeader  = regexp.MustCompile(`(?m)^openapi:`)
	versionLine    = regexp.MustCompile(`(?m)^  version:\s*['"]?([^'"\s]+)`)
	generateLine   = regexp.MustCompile(`-spec (\S+) -pkg (\S+)`)
	majorOfVersion = regexp.MustCompile(`^v?(\d+)`)
)

func isOpenAPI(doc []byte) bool { return openAPIHeader.Match(doc) }

func infoVersion(doc []byte) string {
	if m := versionLine.FindSubmatch(doc); m != nil {
		return string(m[1])
	}
	return ""
}

func major(version string) int {
	m := majorOfVersion.FindStringSubmatch(version)
	if m == nil {
		return 0
	}
	var n int
	fmt.Sscanf(m[1], "%d", &n)
	return n
}

// generatedPackages maps each AsyncAPI spec file to its generated package,
// from the go:generate lines that build gen/.
func generatedPackages(specsDir string) (map[string]string, error) {
	src, err := os.ReadFile(filepath.Join(specsDir, "specs.go"))
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, m := range generateLine.FindAllStringSubmatch(string(src), -1) {
		out[m[1]] = m[2]
	}
	return out, nil
}
