package main

import (
	"bytes"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the current generator")

const (
	fixtureSpec = "testdata/fixture.asyncapi.yaml"
	goldenDir   = "testdata/golden"
)

// generateFixture runs the generator the way `go generate` does and returns
// every file it wrote, by path relative to dir.
func generateFixture(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	o := options{
		specPath: fixtureSpec, pkg: "fixture", wsclientImport: "gentest/wsclient",
		outDir:   filepath.Join(dir, "fixture"),
		tsPath:   filepath.Join(dir, "ts", "fixture.ts"),
		htmlPath: filepath.Join(dir, "docs", "fixture.html"),
	}
	if err := run(o, os.Stderr); err != nil {
		t.Fatalf("generate %s: %v", fixtureSpec, err)
	}
	return readTree(t, dir)
}

func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		files[filepath.ToSlash(rel)], err = os.ReadFile(path)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestGeneratedFilesMatchGolden(t *testing.T) {
	got := generateFixture(t, t.TempDir())
	if *update {
		if err := os.RemoveAll(goldenDir); err != nil {
			t.Fatal(err)
		}
		for rel, data := range got {
			path := filepath.Join(goldenDir, filepath.FromSlash(rel)+".golden")
			if err := writeFileIfChanged(path, data); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	want := map[string][]byte{}
	for rel, data := range readTree(t, goldenDir) {
		want[rel[:len(rel)-len(".golden")]] = data
	}
	for rel, data := range got {
		if w, ok := want[rel]; !ok {
			t.Errorf("%s: generated but has no golden file (run go test -update)", rel)
		} else if !bytes.Equal(w, data) {
			t.Errorf("%s differs from its golden file (run go test -update and review the diff)", rel)
		}
	}
	for rel := range want {
		if _, ok := got[rel]; !ok {
			t.Errorf("%s: golden file exists but the generator no longer writes it", rel)
		}
	}
}

func TestOutputIsByteIdenticalOnRerun(t *testing.T) {
	dir := t.TempDir()
	first := generateFixture(t, dir)
	second := generateFixture(t, dir)
	other := generateFixture(t, t.TempDir())
	for rel, data := range first {
		if !bytes.Equal(data, second[rel]) || !bytes.Equal(data, other[rel]) {
			t.Errorf("%s differs between runs", rel)
		}
	}
}

func TestStaleSchemaFilesAreRemoved(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, "fixture", "schemas", "removed_message.json")
	if err := os.MkdirAll(filepath.Dir(stale), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stale, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	generateFixture(t, dir)
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale schema file %s still exists", stale)
	}
}
