package main

// Conversions between plain Go values and typed tftypes values. The data source is assembled as a map and typed
// by the schema at the end, so an attribute it leaves out comes back null instead of breaking the object type.

import (
	"fmt"
	"math/big"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// toValue types v (nil, string, bool, int64, float64, []any, map[string]any) as t.
func toValue(t tftypes.Type, v any) (tftypes.Value, error) {
	if v == nil {
		return tftypes.NewValue(t, nil), nil
	}
	if tv, ok := v.(tftypes.Value); ok { // passed through from the configuration
		return tv, nil
	}
	switch typ := t.(type) {
	case tftypes.Object:
		m, ok := v.(map[string]any)
		if !ok {
			return tftypes.Value{}, fmt.Errorf("expected an object, got %T", v)
		}
		attrs := map[string]tftypes.Value{}
		for name, at := range typ.AttributeTypes {
			av, err := toValue(at, m[name])
			if err != nil {
				return tftypes.Value{}, fmt.Errorf("%s: %w", name, err)
			}
			attrs[name] = av
		}
		return tftypes.NewValue(typ, attrs), nil
	case tftypes.List, tftypes.Set:
		elem := elementType(typ)
		items, ok := v.([]any)
		if !ok {
			return tftypes.Value{}, fmt.Errorf("expected a list, got %T", v)
		}
		vals := make([]tftypes.Value, 0, len(items))
		for i, item := range items {
			iv, err := toValue(elem, item)
			if err != nil {
				return tftypes.Value{}, fmt.Errorf("[%d]: %w", i, err)
			}
			vals = append(vals, iv)
		}
		return tftypes.NewValue(typ, vals), nil
	case tftypes.Map:
		m, ok := v.(map[string]any)
		if !ok {
			return tftypes.Value{}, fmt.Errorf("expected a map, got %T", v)
		}
		vals := map[string]tftypes.Value{}
		for k, item := range m {
			iv, err := toValue(typ.ElementType, item)
			if err != nil {
				return tftypes.Value{}, fmt.Errorf("[%q]: %w", k, err)
			}
			vals[k] = iv
		}
		return tftypes.NewValue(typ, vals), nil
	}
	switch {
	case t.Is(tftypes.String):
		if s, ok := v.(string); ok {
			return tftypes.NewValue(t, s), nil
		}
	case t.Is(tftypes.Bool):
		if b, ok := v.(bool); ok {
			return tftypes.NewValue(t, b), nil
		}
	case t.Is(tftypes.Number):
		switch n := v.(type) {
		case int64:
			return tftypes.NewValue(t, new(big.Float).SetInt64(n)), nil
		case float64:
			return tftypes.NewValue(t, big.NewFloat(n)), nil
		}
	}
	return tftypes.Value{}, fmt.Errorf("cannot type %T as %s", v, t)
}

func elementType(t tftypes.Type) tftypes.Type {
	if l, ok := t.(tftypes.List); ok {
		return l.ElementType
	}
	return t.(tftypes.Set).ElementType
}

// stringAttr reads a known string attribute of an object value; null or unknown read as "".
func stringAttr(obj map[string]tftypes.Value, name string) string {
	var s string
	if v, ok := obj[name]; ok && v.IsKnown() && !v.IsNull() {
		_ = v.As(&s)
	}
	return s
}
