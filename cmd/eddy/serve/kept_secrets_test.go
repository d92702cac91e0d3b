package serve

import (
	"errors"
	"testing"
)

func TestKeepSecrets(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		opts map[string]string
		old  map[string]string
		want map[string]string
		err  bool
	}{
		{name: "a redacted secret keeps the stored value",
			opts: map[string]string{"sasl_password": "***", "topic": "t"}, old: map[string]string{"sasl_password": "pw", "topic": "old"},
			want: map[string]string{"sasl_password": "pw", "topic": "t"}},
		{name: "a new secret replaces the stored one",
			opts: map[string]string{"sasl_password": "new"}, old: map[string]string{"sasl_password": "pw"}, want: map[string]string{"sasl_password": "new"}},
		{name: "the marker in a plain option is a value",
			opts: map[string]string{"topic": "***"}, want: map[string]string{"topic": "***"}},
		{name: "a redacted secret with nothing stored is an error",
			opts: map[string]string{"secret_access_key": "***"}, old: map[string]string{"access_key_id": "a"}, err: true},
		{name: "a stored marker is not a secret to keep",
			opts: map[string]string{"sasl_password": "***"}, old: map[string]string{"sasl_password": "***"}, err: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := keepSecrets("input S", tc.opts, tc.old)
			if tc.err {
				var ae *apiError
				if !errors.As(err, &ae) || ae.Type != errInvalidArgument {
					t.Fatalf("err = %v, want InvalidArgument", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tc.want {
				if tc.opts[k] != v {
					t.Errorf("%s = %q, want %q", k, tc.opts[k], v)
				}
			}
		})
	}
}
