package main

// The protocol-5 server. Schema and validation calls are answered from the embedded schema; configuration and
// the digitalocean_kubernetes_cluster data source work as in the real provider (over HTTP, against
// api_endpoint); every resource call is refused, so a test can never mistake the stand-in for a provider that
// manages DigitalOcean infrastructure.

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov5"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

const refusal = "DigitalOcean provider stand-in: resources are not served; only the digitalocean_kubernetes_cluster data source is"

type server struct {
	info        *standIn
	provider    *tfprotov5.Schema
	resources   map[string]*tfprotov5.Schema
	dataSources map[string]*tfprotov5.Schema

	mu     sync.Mutex
	client *apiClient // set by ConfigureProvider
}

func newServer(info *standIn) (*server, error) {
	s := &server{info: info, resources: map[string]*tfprotov5.Schema{}, dataSources: map[string]*tfprotov5.Schema{}}
	var err error
	if s.provider, err = info.Provider.Provider.toProto(); err != nil {
		return nil, err
	}
	for name, js := range info.Provider.Resources {
		if s.resources[name], err = js.toProto(); err != nil {
			return nil, err
		}
	}
	for name, js := range info.Provider.DataSources {
		if s.dataSources[name], err = js.toProto(); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func errorDiag(summary, detail string) []*tfprotov5.Diagnostic {
	return []*tfprotov5.Diagnostic{{Severity: tfprotov5.DiagnosticSeverityError, Summary: summary, Detail: detail}}
}

// refuse builds the one error every resource call returns.
func (s *server) refuse(call string) []*tfprotov5.Diagnostic {
	return errorDiag(refusal, call+" was called on the stand-in for "+s.info.Source+" "+s.info.Version+
		". It serves the provider's schema, its configuration and the digitalocean_kubernetes_cluster data source, nothing else.")
}

func (s *server) GetMetadata(context.Context, *tfprotov5.GetMetadataRequest) (*tfprotov5.GetMetadataResponse, error) {
	resp := &tfprotov5.GetMetadataResponse{ServerCapabilities: &tfprotov5.ServerCapabilities{}}
	for _, name := range sortedKeys(s.resources) {
		resp.Resources = append(resp.Resources, tfprotov5.ResourceMetadata{TypeName: name})
	}
	for _, name := range sortedKeys(s.dataSources) {
		resp.DataSources = append(resp.DataSources, tfprotov5.DataSourceMetadata{TypeName: name})
	}
	return resp, nil
}

func (s *server) GetProviderSchema(context.Context, *tfprotov5.GetProviderSchemaRequest) (*tfprotov5.GetProviderSchemaResponse, error) {
	return &tfprotov5.GetProviderSchemaResponse{
		ServerCapabilities:       &tfprotov5.ServerCapabilities{},
		Provider:                 s.provider,
		ResourceSchemas:          s.resources,
		DataSourceSchemas:        s.dataSources,
		Functions:                map[string]*tfprotov5.Function{},
		EphemeralResourceSchemas: map[string]*tfprotov5.Schema{},
		ListResourceSchemas:      map[string]*tfprotov5.Schema{},
		ActionSchemas:            map[string]*tfprotov5.ActionSchema{},
	}, nil
}

func (s *server) GetResourceIdentitySchemas(context.Context, *tfprotov5.GetResourceIdentitySchemasRequest) (*tfprotov5.GetResourceIdentitySchemasResponse, error) {
	return &tfprotov5.GetResourceIdentitySchemasResponse{IdentitySchemas: map[string]*tfprotov5.ResourceIdentitySchema{}}, nil
}

func (s *server) PrepareProviderConfig(_ context.Context, req *tfprotov5.PrepareProviderConfigRequest) (*tfprotov5.PrepareProviderConfigResponse, error) {
	return &tfprotov5.PrepareProviderConfigResponse{PreparedConfig: req.Config}, nil
}

// ConfigureProvider resolves token and api_endpoint as the real provider does: the configuration first, then
// DIGITALOCEAN_TOKEN / DIGITALOCEAN_ACCESS_TOKEN and DIGITALOCEAN_API_URL. A missing token is no error here:
// the real provider only fails when the API refuses the call.
func (s *server) ConfigureProvider(_ context.Context, req *tfprotov5.ConfigureProviderRequest) (*tfprotov5.ConfigureProviderResponse, error) {
	cfg, err := objectAttrs(req.Config, s.provider.ValueType())
	if err != nil {
		return nil, err
	}
	token := firstNonEmpty(stringAttr(cfg, "token"), os.Getenv("DIGITALOCEAN_TOKEN"), os.Getenv("DIGITALOCEAN_ACCESS_TOKEN"))
	endpoint := firstNonEmpty(stringAttr(cfg, "api_endpoint"), os.Getenv("DIGITALOCEAN_API_URL"), defaultAPIEndpoint)
	if u, err := url.Parse(endpoint); err != nil || u.Scheme == "" || u.Host == "" {
		return &tfprotov5.ConfigureProviderResponse{Diagnostics: errorDiag("Invalid api_endpoint", "api_endpoint "+endpoint+" is not an absolute URL")}, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.client = &apiClient{
		endpoint:  endpoint,
		token:     token,
		userAgent: "Terraform/" + req.TerraformVersion + " terraform-provider-digitalocean/" + s.info.Version + " (test stand-in)",
		http:      &http.Client{Timeout: 60 * time.Second},
	}
	return &tfprotov5.ConfigureProviderResponse{}, nil
}

func (s *server) StopProvider(context.Context, *tfprotov5.StopProviderRequest) (*tfprotov5.StopProviderResponse, error) {
	return &tfprotov5.StopProviderResponse{}, nil
}

func (s *server) ValidateDataSourceConfig(context.Context, *tfprotov5.ValidateDataSourceConfigRequest) (*tfprotov5.ValidateDataSourceConfigResponse, error) {
	return &tfprotov5.ValidateDataSourceConfigResponse{}, nil
}

func (s *server) ReadDataSource(ctx context.Context, req *tfprotov5.ReadDataSourceRequest) (*tfprotov5.ReadDataSourceResponse, error) {
	schema, ok := s.dataSources[req.TypeName]
	if !ok || req.TypeName != "digitalocean_kubernetes_cluster" {
		return &tfprotov5.ReadDataSourceResponse{Diagnostics: s.refuse("ReadDataSource(" + req.TypeName + ")")}, nil
	}
	s.mu.Lock()
	client := s.client
	s.mu.Unlock()
	if client == nil {
		return &tfprotov5.ReadDataSourceResponse{Diagnostics: errorDiag("Provider not configured", "ReadDataSource was called before ConfigureProvider")}, nil
	}
	typ := schema.ValueType()
	config, err := objectAttrs(req.Config, typ)
	if err != nil {
		return nil, err
	}
	attrs, err := readCluster(ctx, client, config)
	if err != nil {
		return &tfprotov5.ReadDataSourceResponse{Diagnostics: errorDiag(err.Error(), "")}, nil
	}
	val, err := toValue(typ, attrs)
	if err != nil {
		return nil, err
	}
	state, err := tfprotov5.NewDynamicValue(typ, val)
	if err != nil {
		return nil, err
	}
	return &tfprotov5.ReadDataSourceResponse{State: &state}, nil
}

// objectAttrs decodes a configuration value of an object type into its attributes.
func objectAttrs(dv *tfprotov5.DynamicValue, typ tftypes.Type) (map[string]tftypes.Value, error) {
	attrs := map[string]tftypes.Value{}
	if dv == nil {
		return attrs, nil
	}
	val, err := dv.Unmarshal(typ)
	if err != nil {
		return nil, err
	}
	if val.IsNull() || !val.IsKnown() {
		return attrs, nil
	}
	if err := val.As(&attrs); err != nil {
		return nil, err
	}
	return attrs, nil
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// Resource calls: the stand-in declares no resource type, and refuses any call that reaches it anyway.

func (s *server) ValidateResourceTypeConfig(_ context.Context, req *tfprotov5.ValidateResourceTypeConfigRequest) (*tfprotov5.ValidateResourceTypeConfigResponse, error) {
	return &tfprotov5.ValidateResourceTypeConfigResponse{Diagnostics: s.refuse("ValidateResourceTypeConfig(" + req.TypeName + ")")}, nil
}

func (s *server) UpgradeResourceState(_ context.Context, req *tfprotov5.UpgradeResourceStateRequest) (*tfprotov5.UpgradeResourceStateResponse, error) {
	return &tfprotov5.UpgradeResourceStateResponse{Diagnostics: s.refuse("UpgradeResourceState(" + req.TypeName + ")")}, nil
}

func (s *server) ReadResource(context.Context, *tfprotov5.ReadResourceRequest) (*tfprotov5.ReadResourceResponse, error) {
	return &tfprotov5.ReadResourceResponse{Diagnostics: s.refuse("ReadResource")}, nil
}

func (s *server) PlanResourceChange(context.Context, *tfprotov5.PlanResourceChangeRequest) (*tfprotov5.PlanResourceChangeResponse, error) {
	return &tfprotov5.PlanResourceChangeResponse{Diagnostics: s.refuse("PlanResourceChange")}, nil
}

func (s *server) ApplyResourceChange(context.Context, *tfprotov5.ApplyResourceChangeRequest) (*tfprotov5.ApplyResourceChangeResponse, error) {
	return &tfprotov5.ApplyResourceChangeResponse{Diagnostics: s.refuse("ApplyResourceChange")}, nil
}

func (s *server) ImportResourceState(context.Context, *tfprotov5.ImportResourceStateRequest) (*tfprotov5.ImportResourceStateResponse, error) {
	return &tfprotov5.ImportResourceStateResponse{Diagnostics: s.refuse("ImportResourceState")}, nil
}

func (s *server) MoveResourceState(context.Context, *tfprotov5.MoveResourceStateRequest) (*tfprotov5.MoveResourceStateResponse, error) {
	return &tfprotov5.MoveResourceStateResponse{Diagnostics: s.refuse("MoveResourceState")}, nil
}

func (s *server) UpgradeResourceIdentity(context.Context, *tfprotov5.UpgradeResourceIdentityRequest) (*tfprotov5.UpgradeResourceIdentityResponse, error) {
	return &tfprotov5.UpgradeResourceIdentityResponse{Diagnostics: s.refuse("UpgradeResourceIdentity")}, nil
}

func (s *server) GenerateResourceConfig(context.Context, *tfprotov5.GenerateResourceConfigRequest) (*tfprotov5.GenerateResourceConfigResponse, error) {
	return &tfprotov5.GenerateResourceConfigResponse{Diagnostics: s.refuse("GenerateResourceConfig")}, nil
}

func (s *server) CallFunction(context.Context, *tfprotov5.CallFunctionRequest) (*tfprotov5.CallFunctionResponse, error) {
	return &tfprotov5.CallFunctionResponse{Error: &tfprotov5.FunctionError{Text: refusal}}, nil
}

func (s *server) GetFunctions(context.Context, *tfprotov5.GetFunctionsRequest) (*tfprotov5.GetFunctionsResponse, error) {
	return &tfprotov5.GetFunctionsResponse{Functions: map[string]*tfprotov5.Function{}}, nil
}

func (s *server) ValidateEphemeralResourceConfig(context.Context, *tfprotov5.ValidateEphemeralResourceConfigRequest) (*tfprotov5.ValidateEphemeralResourceConfigResponse, error) {
	return &tfprotov5.ValidateEphemeralResourceConfigResponse{Diagnostics: s.refuse("ValidateEphemeralResourceConfig")}, nil
}

func (s *server) OpenEphemeralResource(context.Context, *tfprotov5.OpenEphemeralResourceRequest) (*tfprotov5.OpenEphemeralResourceResponse, error) {
	return &tfprotov5.OpenEphemeralResourceResponse{Diagnostics: s.refuse("OpenEphemeralResource")}, nil
}

func (s *server) RenewEphemeralResource(context.Context, *tfprotov5.RenewEphemeralResourceRequest) (*tfprotov5.RenewEphemeralResourceResponse, error) {
	return &tfprotov5.RenewEphemeralResourceResponse{Diagnostics: s.refuse("RenewEphemeralResource")}, nil
}

func (s *server) CloseEphemeralResource(context.Context, *tfprotov5.CloseEphemeralResourceRequest) (*tfprotov5.CloseEphemeralResourceResponse, error) {
	return &tfprotov5.CloseEphemeralResourceResponse{}, nil
}
