package conn

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestValidateRejectsBadSettings(t *testing.T) {
	cases := map[string]Options{
		"no port":         {Address: "localhost", Namespace: "default"},
		"port not number": {Address: "localhost:http", Namespace: "default"},
		"port too large":  {Address: "localhost:70000", Namespace: "default"},
		"empty host":      {Address: ":7233", Namespace: "default"},
		"no namespace":    {Address: "localhost:7233"},
		"cert no key":     {Address: "localhost:7233", Namespace: "default", TLSCert: "c.pem"},
		"key no cert":     {Address: "localhost:7233", Namespace: "default", TLSKey: "k.pem"},
	}
	for name, o := range cases {
		t.Run(name, func(t *testing.T) {
			if err := o.Validate(); !errors.Is(err, ErrInvalid) {
				t.Fatalf("Validate(%+v) = %v, want ErrInvalid", o, err)
			}
		})
	}
	if err := DefaultOptions().Validate(); err != nil {
		t.Fatalf("DefaultOptions invalid: %v", err)
	}
}

func TestClientOptionsPlainHasNoTLS(t *testing.T) {
	copts, err := DefaultOptions().ClientOptions(nil)
	if err != nil {
		t.Fatal(err)
	}
	if copts.ConnectionOptions.TLS != nil || copts.Credentials != nil {
		t.Fatalf("plain options got TLS %v / credentials %v", copts.ConnectionOptions.TLS, copts.Credentials)
	}
	if copts.HostPort != "127.0.0.1:7233" || copts.Namespace != "default" {
		t.Fatalf("got %s %s", copts.HostPort, copts.Namespace)
	}
}

func TestClientOptionsLoadsTLSFiles(t *testing.T) {
	certFile, keyFile := writeSelfSigned(t)
	o := DefaultOptions()
	o.TLSCert, o.TLSKey, o.TLSCA, o.APIKey = certFile, keyFile, certFile, "secret"
	copts, err := o.ClientOptions(nil)
	if err != nil {
		t.Fatal(err)
	}
	tlsCfg := copts.ConnectionOptions.TLS
	if tlsCfg == nil || len(tlsCfg.Certificates) != 1 || tlsCfg.RootCAs == nil {
		t.Fatalf("TLS config not loaded: %+v", tlsCfg)
	}
	if copts.Credentials == nil {
		t.Fatal("API key not turned into credentials")
	}
}

func TestClientOptionsBadFiles(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, o := range map[string]Options{
		"missing CA":  {TLSCA: filepath.Join(dir, "absent.pem")},
		"CA not PEM":  {TLSCA: notPEM},
		"missing key": {TLSCert: notPEM, TLSKey: filepath.Join(dir, "absent.key")},
	} {
		o.Address, o.Namespace = "localhost:7233", "default"
		if _, err := o.ClientOptions(nil); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
}

func writeSelfSigned(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writePEM(t, certFile, "CERTIFICATE", der)
	writePEM(t, keyFile, "EC PRIVATE KEY", keyDER)
	return certFile, keyFile
}

func writePEM(t *testing.T, path, kind string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}
