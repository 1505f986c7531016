// Package conn holds the Temporal connection settings shared by the worker
// and starter binaries — address, namespace, TLS files and API key — as
// command-line flags with environment fallbacks (TEMPORAL_ADDRESS,
// TEMPORAL_NAMESPACE, TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY, TEMPORAL_TLS_CA,
// TEMPORAL_API_KEY), their validation, and Dial.
package conn

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
)

// ErrInvalid marks a connection setting that cannot work (test with
// errors.Is); the wrapping message names the setting and the problem.
var ErrInvalid = errors.New("invalid Temporal connection setting")

// Options are the settings needed to reach a Temporal frontend.
type Options struct {
	// Address is the frontend's host:port.
	Address string
	// Namespace is the Temporal namespace of the studies.
	Namespace string
	// TLSCert and TLSKey are PEM files of a client certificate (mTLS); both
	// or neither.
	TLSCert, TLSKey string
	// TLSCA is a PEM file of the CA that signed the server's certificate;
	// empty means the system roots.
	TLSCA string
	// APIKey authenticates to Temporal Cloud; it turns TLS on.
	APIKey string
}

// DefaultOptions returns the settings of a local dev server
// (`make dev-server`): 127.0.0.1:7233, namespace "default", no TLS.
func DefaultOptions() Options {
	return Options{Address: "127.0.0.1:7233", Namespace: "default"}
}

// TLSEnabled reports whether the connection uses TLS: when any TLS file or
// an API key is given.
func (o Options) TLSEnabled() bool {
	return o.TLSCert != "" || o.TLSKey != "" || o.TLSCA != "" || o.APIKey != ""
}

// Validate checks the settings without touching the network or the files'
// contents: a host:port address with a numeric port, a namespace, and the
// certificate and key given together.
func (o Options) Validate() error {
	host, port, err := net.SplitHostPort(o.Address)
	if err != nil || host == "" {
		return fmt.Errorf("%w: address %q is not host:port", ErrInvalid, o.Address)
	}
	if p, err := strconv.Atoi(port); err != nil || p <= 0 || p > 65535 {
		return fmt.Errorf("%w: address %q has port %q, want 1-65535", ErrInvalid, o.Address, port)
	}
	if o.Namespace == "" {
		return fmt.Errorf("%w: namespace is empty", ErrInvalid)
	}
	if (o.TLSCert == "") != (o.TLSKey == "") {
		return fmt.Errorf("%w: TLS certificate %q and key %q must be given together", ErrInvalid, o.TLSCert, o.TLSKey)
	}
	return nil
}

// ClientOptions validates o, loads its TLS files and returns the SDK's
// client options with logger. It reads files but does not connect.
func (o Options) ClientOptions(logger log.Logger) (client.Options, error) {
	if err := o.Validate(); err != nil {
		return client.Options{}, err
	}
	copts := client.Options{HostPort: o.Address, Namespace: o.Namespace, Logger: logger}
	if !o.TLSEnabled() {
		return copts, nil
	}
	tlsCfg, err := o.tlsConfig()
	if err != nil {
		return client.Options{}, err
	}
	copts.ConnectionOptions.TLS = tlsCfg
	if o.APIKey != "" {
		copts.Credentials = client.NewAPIKeyStaticCredentials(o.APIKey)
	}
	return copts, nil
}

func (o Options) tlsConfig() (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if o.TLSCert != "" {
		pair, err := tls.LoadX509KeyPair(o.TLSCert, o.TLSKey)
		if err != nil {
			return nil, fmt.Errorf("%w: TLS certificate %q / key %q: %w", ErrInvalid, o.TLSCert, o.TLSKey, err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	if o.TLSCA != "" {
		pem, err := os.ReadFile(o.TLSCA)
		if err != nil {
			return nil, fmt.Errorf("%w: TLS CA: %w", ErrInvalid, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%w: TLS CA %q holds no PEM certificate", ErrInvalid, o.TLSCA)
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}

// Dial connects to the frontend and checks that it answers (the SDK's
// DialContext runs a health check). Blocking; honours ctx.
func Dial(ctx context.Context, o Options, logger log.Logger) (client.Client, error) {
	copts, err := o.ClientOptions(logger)
	if err != nil {
		return nil, err
	}
	c, err := client.DialContext(ctx, copts)
	if err != nil {
		return nil, fmt.Errorf("connect to Temporal at %s (namespace %s): %w", o.Address, o.Namespace, err)
	}
	return c, nil
}
