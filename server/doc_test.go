package server

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// TestDocEmbeddingFields keeps the field table of docs/embedding.md and
// the embedding API apart from drift: every exported field of Config,
// User and Share has a row, and every row names a field that exists.
func TestDocEmbeddingFields(t *testing.T) {
	const page = "../docs/embedding.md"
	data, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("^\\|\\s*`(Config|User|Share)\\.([A-Za-z0-9]+)`\\s*\\|")
	rows := map[string]int{}
	for i, line := range strings.Split(string(data), "\n") {
		if m := row.FindStringSubmatch(line); m != nil {
			rows[m[1]+"."+m[2]] = i + 1
		}
	}
	fields := map[string]bool{}
	for _, typ := range []reflect.Type{reflect.TypeFor[Config](), reflect.TypeFor[User](), reflect.TypeFor[Share]()} {
		for i := range typ.NumField() {
			if f := typ.Field(i); f.IsExported() {
				name := typ.Name() + "." + f.Name
				fields[name] = true
				if _, ok := rows[name]; !ok {
					t.Errorf("%s has no row for %s", page, name)
				}
			}
		}
	}
	for name, n := range rows {
		if !fields[name] {
			t.Errorf("%s:%d: %s is not a field", page, n, name)
		}
	}
}
