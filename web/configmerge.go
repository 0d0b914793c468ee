package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
)

// jsonObject is a JSON object that keeps its keys' order, so that the
// operator's [web.config] can be merged into the generated config.js
// without reordering it. A value is a *jsonObject or a json.RawMessage.
type jsonObject struct {
	keys []string
	vals map[string]any
}

// parseObject reads a JSON object, keeping key order at every depth.
func parseObject(data []byte) (*jsonObject, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil { // {
		return nil, err
	}
	o := &jsonObject{vals: map[string]any{}}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		k, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		o.keys = append(o.keys, k)
		o.vals[k] = v
		if len(v) > 0 && v[0] == '{' {
			sub, err := parseObject(v)
			if err != nil {
				return nil, err
			}
			o.vals[k] = sub
		}
	}
	return o, nil
}

// merge sets the operator's values over o: tables merge key by key, any
// other value replaces what was there; new keys come last, in key order.
func (o *jsonObject) merge(extra map[string]any) error {
	keys := make([]string, 0, len(extra))
	for k := range extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := extra[k]
		if sub, ok := v.(map[string]any); ok {
			if have, isObj := o.vals[k].(*jsonObject); isObj {
				if err := have.merge(sub); err != nil {
					return err
				}
				continue
			}
		}
		enc, err := json.Marshal(tomlToJSON(v))
		if err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
		if _, ok := o.vals[k]; !ok {
			o.keys = append(o.keys, k)
		}
		o.vals[k] = json.RawMessage(enc)
	}
	return nil
}

// tomlToJSON turns TOML's arrays of tables into plain lists.
func tomlToJSON(v any) any {
	switch x := v.(type) {
	case []map[string]any:
		l := make([]any, len(x))
		for i, m := range x {
			l[i] = tomlToJSON(m)
		}
		return l
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = tomlToJSON(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = tomlToJSON(e)
		}
		return l
	}
	return v
}

// MarshalJSON writes o with its keys in order. encoding/json compacts the
// result with HTML escaping, as for any other value.
func (o *jsonObject) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, err := json.Marshal(k)
		if err != nil {
			return nil, err
		}
		b.Write(kb)
		b.WriteByte(':')
		vb, err := json.Marshal(o.vals[k])
		if err != nil {
			return nil, err
		}
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// mergeConfig returns the generated config object with the operator's
// [web.config] merged in.
func mergeConfig(generated []byte, extra map[string]any) ([]byte, error) {
	if len(extra) == 0 {
		return generated, nil
	}
	o, err := parseObject(generated)
	if err != nil {
		return nil, err
	}
	if err := o.merge(extra); err != nil {
		return nil, err
	}
	return json.MarshalIndent(o, "", "    ")
}
