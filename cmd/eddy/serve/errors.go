package serve

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/eddy-sql/eddy/sql"
)

// KDA's exception names, returned as __type.
const (
	errResourceNotFound         = "ResourceNotFoundException"
	errResourceInUse            = "ResourceInUseException"
	errInvalidArgument          = "InvalidArgumentException"
	errConcurrentModification   = "ConcurrentModificationException"
	errCodeValidation           = "CodeValidationException"
	errUnsupportedOperation     = "UnsupportedOperationException"
	errLimitExceeded            = "LimitExceededException"
	errUnableToDetectSchema     = "UnableToDetectSchemaException"
	errResourceProvisionedThput = "ResourceProvisionedThroughputExceededException"
	errServiceUnavailable       = "ServiceUnavailableException"
	errUnknownOperation         = "UnknownOperationException"
	errSerialization            = "SerializationException"
)

// apiError is an error of an API call: a KDA exception name and message.
type apiError struct {
	Type    string
	Message string
}

func (e *apiError) Error() string { return e.Type + ": " + e.Message }

// status is the HTTP status the error is sent with.
func (e *apiError) status() int {
	switch e.Type {
	case errResourceNotFound:
		return http.StatusNotFound
	case errServiceUnavailable:
		return http.StatusServiceUnavailable
	case errUnknownOperation, errSerialization, errInvalidArgument, errCodeValidation, errUnableToDetectSchema:
		return http.StatusBadRequest
	}
	return http.StatusBadRequest
}

func invalid(format string, args ...any) *apiError {
	return &apiError{Type: errInvalidArgument, Message: fmt.Sprintf(format, args...)}
}

func notFound(name string) *apiError {
	return &apiError{Type: errResourceNotFound, Message: fmt.Sprintf("application %s not found", name)}
}

func inUse(format string, args ...any) *apiError {
	return &apiError{Type: errResourceInUse, Message: fmt.Sprintf(format, args...)}
}

// asAPIError turns any error into an apiError: SQL errors in the
// application code are CodeValidationException with line:col.
func asAPIError(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	var se *sql.Error
	if errors.As(err, &se) {
		return &apiError{Type: errCodeValidation, Message: se.Error()}
	}
	return &apiError{Type: errInvalidArgument, Message: err.Error()}
}
