package main

// The two DigitalOcean API calls the real provider makes to read a digitalocean_kubernetes_cluster, sent the way
// its API client (godo) sends them: a Bearer token, JSON, and errors worded as godo words them
// ("GET <url>: 401 (request "<id>") <message>"), so a test sees what a user of the real provider would see.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// defaultAPIEndpoint is the real provider's default: only a test that sets api_endpoint or DIGITALOCEAN_API_URL
// reaches a server of its own.
const defaultAPIEndpoint = "https://api.digitalocean.com"

type apiClient struct {
	endpoint  string
	token     string
	userAgent string
	http      *http.Client
}

// doCluster holds the fields of a cluster object (GET /v2/kubernetes/clusters) that the data source reports.
type doCluster struct {
	ID                   string                  `json:"id"`
	Name                 string                  `json:"name"`
	Region               string                  `json:"region"`
	Version              string                  `json:"version"`
	ClusterSubnet        string                  `json:"cluster_subnet"`
	ServiceSubnet        string                  `json:"service_subnet"`
	IPv4                 string                  `json:"ipv4"`
	Endpoint             string                  `json:"endpoint"`
	Tags                 []string                `json:"tags"`
	VPCUUID              string                  `json:"vpc_uuid"`
	HA                   bool                    `json:"ha"`
	AutoUpgrade          bool                    `json:"auto_upgrade"`
	SurgeUpgrade         bool                    `json:"surge_upgrade"`
	NodePools            []doNodePool            `json:"node_pools"`
	MaintenancePolicy    *doMaintenancePolicy    `json:"maintenance_policy"`
	ControlPlaneFirewall *doControlPlaneFirewall `json:"control_plane_firewall"`
	Status               struct {
		State string `json:"state"`
	} `json:"status"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

type doNodePool struct {
	ID        string            `json:"id"`
	Name      string            `json:"name"`
	Size      string            `json:"size"`
	Count     int64             `json:"count"`
	AutoScale bool              `json:"auto_scale"`
	MinNodes  int64             `json:"min_nodes"`
	MaxNodes  int64             `json:"max_nodes"`
	Tags      []string          `json:"tags"`
	Labels    map[string]string `json:"labels"`
	Taints    []struct {
		Key    string `json:"key"`
		Value  string `json:"value"`
		Effect string `json:"effect"`
	} `json:"taints"`
	Nodes []struct {
		ID     string `json:"id"`
		Name   string `json:"name"`
		Status struct {
			State string `json:"state"`
		} `json:"status"`
		DropletID string    `json:"droplet_id"`
		CreatedAt time.Time `json:"created_at"`
		UpdatedAt time.Time `json:"updated_at"`
	} `json:"nodes"`
}

type doMaintenancePolicy struct {
	StartTime string `json:"start_time"`
	Duration  string `json:"duration"`
	Day       string `json:"day"`
}

type doControlPlaneFirewall struct {
	Enabled          bool     `json:"enabled"`
	AllowedAddresses []string `json:"allowed_addresses"`
}

// doCredentials is GET /v2/kubernetes/clusters/{id}/credentials. The CA comes base64-encoded in JSON; as a
// []byte field it decodes to the PEM, as godo's does.
type doCredentials struct {
	Server                   string    `json:"server"`
	CertificateAuthorityData []byte    `json:"certificate_authority_data"`
	ClientCertificateData    []byte    `json:"client_certificate_data"`
	ClientKeyData            []byte    `json:"client_key_data"`
	Token                    string    `json:"token"`
	ExpiresAt                time.Time `json:"expires_at"`
}

// apiError is a non-2xx answer, worded as godo's ErrorResponse.
type apiError struct {
	Method, URL string
	Status      int
	RequestID   string
	Message     string
}

func (e *apiError) Error() string {
	if e.RequestID != "" {
		return fmt.Sprintf("%s %s: %d (request %q) %s", e.Method, e.URL, e.Status, e.RequestID, e.Message)
	}
	return fmt.Sprintf("%s %s: %d %s", e.Method, e.URL, e.Status, e.Message)
}

func (c *apiClient) get(ctx context.Context, path string, out any) error {
	url := strings.TrimSuffix(c.endpoint, "/") + path
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	// Sent even when empty, as the real provider's OAuth2 transport does: the API then answers 401.
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		var msg struct {
			Message   string `json:"message"`
			RequestID string `json:"request_id"`
		}
		_ = json.Unmarshal(body, &msg) // a body that is no JSON error leaves the message empty, as in godo
		if msg.RequestID == "" {
			msg.RequestID = resp.Header.Get("x-request-id")
		}
		return &apiError{Method: req.Method, URL: req.URL.String(), Status: resp.StatusCode, RequestID: msg.RequestID, Message: msg.Message}
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("%s %s: unreadable answer: %w", req.Method, req.URL, err)
	}
	return nil
}

// listClusters reads the first page only, with no page or per_page parameter, exactly as the real data source
// does (godo's List with empty ListOptions): a cluster past the API's first page is not found there either.
func (c *apiClient) listClusters(ctx context.Context) ([]doCluster, error) {
	var page struct {
		Clusters []doCluster `json:"kubernetes_clusters"`
	}
	if err := c.get(ctx, "/v2/kubernetes/clusters", &page); err != nil {
		return nil, err
	}
	return page.Clusters, nil
}

func (c *apiClient) credentials(ctx context.Context, clusterID string) (*doCredentials, error) {
	var creds doCredentials
	if err := c.get(ctx, "/v2/kubernetes/clusters/"+clusterID+"/credentials", &creds); err != nil {
		return nil, err
	}
	return &creds, nil
}
