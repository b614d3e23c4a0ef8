package store

import (
	"errors"
	"path"
	"path/filepath"
	"strings"
	"testing"
)

func TestValidateKey(t *testing.T) {
	for _, c := range []struct {
		key  string
		want string // part of the error; "" for a valid key
	}{
		{"a", ""},
		{"aggregates/2024/x.parquet", ""},
		{"kön=K/år=2024/.manifest", ""},
		{"a/..b/c..", ""},
		{"", "empty"},
		{"/a", "relative"},
		{`a\b`, "separator"},
		{"a/../b", `".."`},
		{"./a", `"."`},
		{"a//b", "empty path segment"},
		{"a/", "empty path segment"},
		{"a\x00", "control character"},
		{"\xff", "UTF-8"},
	} {
		err := ValidateKey(c.key)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("ValidateKey(%q) = %v, want nil", c.key, err)
		case c.want != "" && (!errors.Is(err, ErrInvalidKey) || !strings.Contains(err.Error(), c.want)):
			t.Errorf("ValidateKey(%q) = %v, want ErrInvalidKey mentioning %s", c.key, err, c.want)
		}
	}
}

func TestValidatePrefix(t *testing.T) {
	for prefix, ok := range map[string]bool{
		"": true, "a": true, "a/": true, "a/b": true, "a/.": true, "a/..": true,
		"/": false, "/a": false, "a//": false, "../": false, "a/../": false, `a\`: false,
	} {
		if err := ValidatePrefix(prefix); (err == nil) != ok {
			t.Errorf("ValidatePrefix(%q) = %v, want ok=%v", prefix, err, ok)
		}
	}
}

func TestErrorNamesOperationAndKey(t *testing.T) {
	err := error(&Error{Op: "get", Key: "aggregates/x.parquet", Err: ErrNotFound})
	if got, want := err.Error(), `store: get "aggregates/x.parquet": not found`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(err, ErrNotFound) {
		t.Error("errors.Is does not see ErrNotFound")
	}
}

// FuzzValidateKey checks that every accepted key is a clean relative path
// that stays inside a directory on any OS.
func FuzzValidateKey(f *testing.F) {
	for _, k := range []string{"a/b", "../a", "a/./b", `a\b`, "/a", "a//b", "a/"} {
		f.Add(k)
	}
	f.Fuzz(func(t *testing.T, key string) {
		if ValidateKey(key) != nil {
			return
		}
		if path.Clean(key) != key || !filepath.IsLocal(filepath.FromSlash(key)) || strings.ContainsRune(key, '\\') {
			t.Errorf("ValidateKey accepted %q, which is not a clean local path", key)
		}
		if ValidatePrefix(key) != nil || ValidatePrefix(key+"/") != nil {
			t.Errorf("ValidatePrefix rejects %q, an accepted key", key)
		}
	})
}
