package conf

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"

	"github.com/BurntSushi/toml"
)

// Load reads the TOML file at path over the built-in defaults and validates
// the result. Every problem is reported at once: unknown keys and bad values
// are *KeyError values (errors.Is ErrUnknownKey / ErrBadValue) joined into
// one error; a file that is not valid TOML gives ErrParse.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("conf: %w", err)
	}
	c, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("conf: %s: %w", path, err)
	}
	return c, nil
}

// Parse is Load for a TOML document already in memory.
func Parse(data []byte) (*Config, error) {
	c, err := Check(data)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Check parses data like Parse but, when the document is valid TOML, also
// returns the configuration it could read: keys with problems keep their
// defaults, so that the files the rest names can still be checked. The error
// joins every problem (unknown keys, wrong types, bad values); nil means the
// configuration is usable.
func Check(data []byte) (*Config, error) {
	c := defaults()
	errs, err := decodeStrict(data, c)
	if err != nil {
		return nil, err
	}
	c.fillDerived()
	if err := c.Validate(); err != nil {
		errs = append(errs, err)
	}
	return c, errors.Join(errs...)
}

// decodeStrict decodes the TOML document data into dst, a pointer to a
// struct holding the defaults. It returns every unknown key and wrong type
// (those keys keep their defaults); the error is for data that is not TOML.
func decodeStrict(data []byte, dst any) ([]error, error) {
	var doc map[string]any
	if _, err := toml.Decode(string(data), &doc); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrParse, err)
	}
	t := reflect.TypeOf(dst).Elem()
	sc := newSchemaCheck(t)
	sc.table(doc, t, "")
	errs := sc.errs
	if len(errs) > 0 {
		// Decode only what fits: the keys with problems are gone from doc.
		var b strings.Builder
		if err := toml.NewEncoder(&b).Encode(doc); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrParse, err)
		}
		data = []byte(b.String())
	}
	md, err := toml.Decode(string(data), dst)
	if err != nil {
		return nil, errors.Join(append(errs, fmt.Errorf("%w: %w", ErrParse, err))...)
	}
	for _, k := range md.Undecoded() {
		if !sc.handled(k.String()) {
			errs = append(errs, &KeyError{Key: k.String(), Err: ErrUnknownKey})
		}
	}
	return errs, nil
}

// defaults is Default before derived values are filled in, so that a file
// changing the domain does not inherit the localhost-only advertise default.
func defaults() *Config {
	c := Default()
	c.Media.Advertise = nil
	return c
}
