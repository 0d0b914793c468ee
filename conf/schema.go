package conf

import (
	"encoding"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"
)

// schemaCheck walks a decoded TOML document alongside the Config type and
// reports every key the type does not define (with the closest known key)
// and every value whose TOML type does not fit its key. Offending keys are
// removed from doc, so that what is left decodes cleanly and its values can
// still be validated.
type schemaCheck struct {
	known []string // every dotted key path of the schema
	errs  []error
	bad   map[string]bool // keys reported here
	free  []string        // paths of free-form tables (map fields): any key goes below them
}

func newSchemaCheck(t reflect.Type) *schemaCheck {
	s := &schemaCheck{bad: map[string]bool{}}
	s.known = schemaKeys(t, "")
	return s
}

// table checks the keys of one TOML table against struct type t.
func (s *schemaCheck) table(doc map[string]any, t reflect.Type, prefix string) {
	fields := tomlFields(t)
	keys := make([]string, 0, len(doc))
	for k := range doc {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		path := prefix + k
		f, ok := fields[k]
		if !ok {
			s.report(path, unknownKey(path, s.known))
			delete(doc, k)
			continue
		}
		if !s.value(doc[k], f.Type, path) {
			delete(doc, k)
		}
	}
}

// value checks one value against Go type t; false means it does not fit
// (and was reported).
func (s *schemaCheck) value(v any, t reflect.Type, path string) bool {
	if want := wantedType(t); want != "" {
		if t.Kind() == reflect.Map {
			s.free = append(s.free, path+".")
		}
		if !fits(v, t) {
			s.report(path, &TypeError{Want: want, Got: describe(v)})
			return false
		}
		return true
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			s.report(path, &TypeError{Want: "a table ([" + path + "])", Got: describe(v)})
			return false
		}
		s.table(m, t, path+".")
	case reflect.Slice:
		list, ok := v.([]map[string]any)
		if !ok {
			if l, isList := v.([]any); isList && len(l) == 0 {
				return true
			}
			s.report(path, &TypeError{Want: "a list of tables ([[" + path + "]])", Got: describe(v)})
			return false
		}
		for i, m := range list {
			s.table(m, t.Elem(), fmt.Sprintf("%s[%d].", path, i))
		}
	}
	return true
}

// handled reports whether an undecoded key was reported here already or
// lies in a free-form table.
func (s *schemaCheck) handled(key string) bool {
	if s.bad[key] {
		return true
	}
	for _, f := range s.free {
		if strings.HasPrefix(key, f) {
			return true
		}
	}
	return false
}

func (s *schemaCheck) report(path string, err error) {
	s.bad[path] = true
	s.errs = append(s.errs, &KeyError{Key: path, Err: err})
}

var (
	durationType  = reflect.TypeOf(time.Duration(0))
	unmarshalText = reflect.TypeOf((*encoding.TextUnmarshaler)(nil)).Elem()
)

// wantedType names the TOML type a leaf Go type takes ("" for tables and
// lists of tables, which are walked instead).
func wantedType(t reflect.Type) string {
	switch {
	case t == durationType:
		return "a duration (\"30s\") or an integer"
	case reflect.PointerTo(t).Implements(unmarshalText):
		return "a string"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Map, reflect.Interface:
		return "a table"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Struct && t.Elem() != durationType {
			return ""
		}
		return "a list of " + strings.TrimPrefix(plural(wantedType(t.Elem())), "a ")
	}
	return ""
}

func plural(s string) string {
	switch s {
	case "true or false":
		return "booleans"
	case "a table":
		return "tables"
	}
	return strings.TrimPrefix(s, "a ") + "s"
}

// fits reports whether TOML value v decodes into Go type t.
func fits(v any, t reflect.Type) bool {
	if t == durationType {
		_, isInt := v.(int64)
		s, isStr := v.(string)
		if isStr {
			_, err := time.ParseDuration(s)
			return err == nil
		}
		return isInt
	}
	if reflect.PointerTo(t).Implements(unmarshalText) {
		_, ok := v.(string)
		return ok
	}
	switch t.Kind() {
	case reflect.String:
		_, ok := v.(string)
		return ok
	case reflect.Bool:
		_, ok := v.(bool)
		return ok
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := v.(int64)
		return ok && !reflect.Zero(t).OverflowInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := v.(int64)
		return ok && n >= 0 && !reflect.Zero(t).OverflowUint(uint64(n))
	case reflect.Float32, reflect.Float64:
		switch v.(type) {
		case float64, int64:
			return true
		}
	case reflect.Map:
		_, ok := v.(map[string]any)
		return ok
	case reflect.Interface:
		return true
	case reflect.Slice:
		return fitsList(v, t.Elem())
	}
	return false
}

func fitsList(v any, elem reflect.Type) bool {
	switch l := v.(type) {
	case []any:
		for _, e := range l {
			if !fits(e, elem) {
				return false
			}
		}
		return true
	case []map[string]any:
		return elem.Kind() == reflect.Map || elem.Kind() == reflect.Interface
	}
	return false
}

// describe says what a TOML value is, for messages: `the string "x"`,
// `the number 42`, `a table`, ...
func describe(v any) string {
	switch x := v.(type) {
	case string:
		if len(x) > 40 {
			x = x[:40] + "…"
		}
		return fmt.Sprintf("the string %q", x)
	case int64:
		return fmt.Sprintf("the number %d", x)
	case float64:
		return fmt.Sprintf("the number %g", x)
	case bool:
		return fmt.Sprintf("%v", x)
	case map[string]any:
		return "a table"
	case []map[string]any:
		return "a list of tables"
	case []any:
		return "a list"
	}
	return "a date or time"
}

// tomlFields maps the TOML keys of struct type t to its fields.
func tomlFields(t reflect.Type) map[string]reflect.StructField {
	out := map[string]reflect.StructField{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f
	}
	return out
}

// schemaKeys lists every dotted key path under struct type t.
func schemaKeys(t reflect.Type, prefix string) []string {
	var out []string
	for name, f := range tomlFields(t) {
		path := prefix + name
		out = append(out, path)
		ft := f.Type
		if ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct && wantedType(ft) == "" {
			out = append(out, schemaKeys(ft, path+".")...)
		}
	}
	sort.Strings(out)
	return out
}

// KnownKey reports whether path (e.g. "auth.jwt_secret") is a key of the
// configuration schema.
func KnownKey(path string) bool {
	_, found := slices.BinarySearch(schemaKeys(reflect.TypeOf(Config{}), ""), path)
	return found
}
