package main

// Converts a provider schema written in the JSON shape that `tofu providers schema -json` prints into the
// protocol-5 types the plugin server returns. Keeping the embedded files in tofu's own output format lets the
// tests compare what the stand-in serves with what it declares, field by field.

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-go/tfprotov5"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// standIn is the embedded file: which real provider it stands in for, and that provider's schema.
type standIn struct {
	Source    string         `json:"source"`     // e.g. "digitalocean/digitalocean"
	Version   string         `json:"version"`    // the real release whose schema this copies
	ModeledOn string         `json:"modeled_on"` // where the schema was read from
	Provider  providerSchema `json:"provider_schema"`
}

type providerSchema struct {
	Provider    jsonSchema            `json:"provider"`
	Resources   map[string]jsonSchema `json:"resource_schemas"`
	DataSources map[string]jsonSchema `json:"data_source_schemas"`
}

type jsonSchema struct {
	Version int64     `json:"version"`
	Block   jsonBlock `json:"block"`
}

type jsonBlock struct {
	Attributes  map[string]jsonAttribute `json:"attributes"`
	BlockTypes  map[string]jsonBlockType `json:"block_types"`
	Description string                   `json:"description"`
}

type jsonAttribute struct {
	Type        json.RawMessage `json:"type"`
	NestedType  json.RawMessage `json:"nested_type"`
	Description string          `json:"description"`
	Required    bool            `json:"required"`
	Optional    bool            `json:"optional"`
	Computed    bool            `json:"computed"`
	Sensitive   bool            `json:"sensitive"`
	WriteOnly   bool            `json:"write_only"`
}

type jsonBlockType struct {
	NestingMode string    `json:"nesting_mode"`
	Block       jsonBlock `json:"block"`
	MinItems    int64     `json:"min_items"`
	MaxItems    int64     `json:"max_items"`
}

func parseStandIn(raw []byte) (*standIn, error) {
	var s standIn
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, err
	}
	if s.Source == "" || s.Version == "" {
		return nil, fmt.Errorf("stand-in schema file lacks source or version")
	}
	return &s, nil
}

// Type is the provider's type name, the last part of its source address ("digitalocean").
func (s *standIn) Type() string { return s.Source[strings.LastIndex(s.Source, "/")+1:] }

func (s jsonSchema) toProto() (*tfprotov5.Schema, error) {
	block, err := s.Block.toProto()
	if err != nil {
		return nil, err
	}
	return &tfprotov5.Schema{Version: s.Version, Block: block}, nil
}

func (b jsonBlock) toProto() (*tfprotov5.SchemaBlock, error) {
	out := &tfprotov5.SchemaBlock{Description: b.Description}
	attrs, err := attributesToProto(b.Attributes)
	if err != nil {
		return nil, err
	}
	out.Attributes = attrs
	for _, name := range sortedKeys(b.BlockTypes) {
		bt := b.BlockTypes[name]
		inner, err := bt.Block.toProto()
		if err != nil {
			return nil, fmt.Errorf("block %s: %w", name, err)
		}
		mode, err := blockNesting(bt.NestingMode)
		if err != nil {
			return nil, fmt.Errorf("block %s: %w", name, err)
		}
		out.BlockTypes = append(out.BlockTypes, &tfprotov5.SchemaNestedBlock{
			TypeName: name, Block: inner, Nesting: mode, MinItems: bt.MinItems, MaxItems: bt.MaxItems,
		})
	}
	return out, nil
}

func attributesToProto(attrs map[string]jsonAttribute) ([]*tfprotov5.SchemaAttribute, error) {
	var out []*tfprotov5.SchemaAttribute
	for _, name := range sortedKeys(attrs) {
		a := attrs[name]
		pa := &tfprotov5.SchemaAttribute{
			Name: name, Description: a.Description, Required: a.Required, Optional: a.Optional,
			Computed: a.Computed, Sensitive: a.Sensitive, WriteOnly: a.WriteOnly,
		}
		switch {
		case len(a.NestedType) > 0:
			// Protocol 5 has no nested attribute types; an SDKv2 provider never declares one.
			return nil, fmt.Errorf("attribute %s: nested_type cannot be served over protocol 5", name)
		case len(a.Type) > 0:
			t, err := ctyJSONType(a.Type)
			if err != nil {
				return nil, fmt.Errorf("attribute %s: %w", name, err)
			}
			pa.Type = t
		default:
			return nil, fmt.Errorf("attribute %s has neither type nor nested_type", name)
		}
		out = append(out, pa)
	}
	return out, nil
}

// ctyJSONType reads cty's JSON type notation: "string", ["list","string"], ["object",{"a":"bool"}], ...
func ctyJSONType(raw json.RawMessage) (tftypes.Type, error) {
	var prim string
	if err := json.Unmarshal(raw, &prim); err == nil {
		switch prim {
		case "string":
			return tftypes.String, nil
		case "number":
			return tftypes.Number, nil
		case "bool":
			return tftypes.Bool, nil
		case "dynamic":
			return tftypes.DynamicPseudoType, nil
		}
		return nil, fmt.Errorf("unknown primitive type %q", prim)
	}
	var parts []json.RawMessage
	if err := json.Unmarshal(raw, &parts); err != nil || len(parts) < 2 {
		return nil, fmt.Errorf("unreadable type %s", string(raw))
	}
	var kind string
	if err := json.Unmarshal(parts[0], &kind); err != nil {
		return nil, err
	}
	switch kind {
	case "list", "set", "map":
		elem, err := ctyJSONType(parts[1])
		if err != nil {
			return nil, err
		}
		switch kind {
		case "list":
			return tftypes.List{ElementType: elem}, nil
		case "set":
			return tftypes.Set{ElementType: elem}, nil
		default:
			return tftypes.Map{ElementType: elem}, nil
		}
	case "object":
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(parts[1], &fields); err != nil {
			return nil, err
		}
		types := map[string]tftypes.Type{}
		for name, ft := range fields {
			t, err := ctyJSONType(ft)
			if err != nil {
				return nil, fmt.Errorf("object field %s: %w", name, err)
			}
			types[name] = t
		}
		return tftypes.Object{AttributeTypes: types}, nil
	}
	return nil, fmt.Errorf("unsupported type kind %q", kind)
}

func blockNesting(mode string) (tfprotov5.SchemaNestedBlockNestingMode, error) {
	switch mode {
	case "single":
		return tfprotov5.SchemaNestedBlockNestingModeSingle, nil
	case "list":
		return tfprotov5.SchemaNestedBlockNestingModeList, nil
	case "set":
		return tfprotov5.SchemaNestedBlockNestingModeSet, nil
	case "map":
		return tfprotov5.SchemaNestedBlockNestingModeMap, nil
	case "group":
		return tfprotov5.SchemaNestedBlockNestingModeGroup, nil
	}
	return 0, fmt.Errorf("unknown block nesting mode %q", mode)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
