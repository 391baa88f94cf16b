// Package gcptasks creates the CRM's delayed tasks on a Cloud Tasks queue
// (outcome.Queue) with the official client. It is the only package that
// imports the Cloud Tasks SDK. The SDK has no emulator variable of its
// own: with an emulator host given (CLOUD_TASKS_EMULATOR_HOST, read by
// shared/config) it talks to the local server (shared/taskemu) without
// credentials; only the endpoint differs.
package gcptasks

import (
	"context"
	"fmt"
	"strings"
	"time"

	cloudtasks "cloud.google.com/go/cloudtasks/apiv2"
	"cloud.google.com/go/cloudtasks/apiv2/cloudtaskspb"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"example.com/crm/shared/crm"
	"example.com/crm/shared/outcome"
)

// Queue creates HTTP tasks on one queue that POST their body to one URL.
type Queue struct {
	client *cloudtasks.Client
	name   string // projects/P/locations/L/queues/Q
	url    string
	// serviceAccount, when set, is the account whose OIDC token (with the
	// URL as audience) each task carries, for a private target.
	serviceAccount string
}

var _ outcome.Queue = (*Queue)(nil)

// Open returns the queue name (projects/P/locations/L/queues/Q) whose tasks
// POST to url, with an OIDC token of serviceAccount when it is set.
// emulatorHost, when set, is the host:port of a local Cloud Tasks server.
func Open(ctx context.Context, name, url, serviceAccount, emulatorHost string) (*Queue, error) {
	if err := CheckName(name); err != nil {
		return nil, err
	}
	if !strings.HasPrefix(url, "https://") && !(emulatorHost != "" && strings.HasPrefix(url, "http://")) {
		return nil, fmt.Errorf("task target %q: want an https:// URL (http:// only with a local Cloud Tasks server)", url)
	}
	var opts []option.ClientOption
	if emulatorHost != "" {
		opts = append(opts, option.WithEndpoint(emulatorHost), option.WithoutAuthentication(),
			option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())))
	}
	c, err := cloudtasks.NewClient(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("cloud tasks client: %w", err)
	}
	return &Queue{client: c, name: name, url: url, serviceAccount: serviceAccount}, nil
}

// CheckName reports a queue name not of the form
// projects/P/locations/L/queues/Q.
func CheckName(name string) error {
	p := strings.Split(name, "/")
	if len(p) != 6 || p[0] != "projects" || p[2] != "locations" || p[4] != "queues" || p[1] == "" || p[3] == "" || p[5] == "" {
		return fmt.Errorf("queue %q is not projects/PROJECT/locations/LOCATION/queues/QUEUE", name)
	}
	return nil
}

// Close closes the client.
func (q *Queue) Close() error { return q.client.Close() }

// Create creates the task id to POST body (JSON) to the queue's URL at at.
// A task of that name that exists, or whose name is still reserved after
// it ran, is not an error: the first one stands.
func (q *Queue) Create(ctx context.Context, id string, at time.Time, body []byte) error {
	hr := &cloudtaskspb.HttpRequest{
		HttpMethod: cloudtaskspb.HttpMethod_POST,
		Url:        q.url,
		Headers:    map[string]string{"Content-Type": "application/json"},
		Body:       body,
	}
	if q.serviceAccount != "" {
		hr.AuthorizationHeader = &cloudtaskspb.HttpRequest_OidcToken{OidcToken: &cloudtaskspb.OidcToken{
			ServiceAccountEmail: q.serviceAccount, Audience: q.url,
		}}
	}
	_, err := q.client.CreateTask(ctx, &cloudtaskspb.CreateTaskRequest{
		Parent: q.name,
		Task: &cloudtaskspb.Task{
			Name:         q.name + "/tasks/" + id,
			ScheduleTime: timestamppb.New(at),
			MessageType:  &cloudtaskspb.Task_HttpRequest{HttpRequest: hr},
		},
	})
	if status.Code(err) == codes.AlreadyExists {
		return nil
	}
	if err != nil {
		return &crm.Error{Code: crm.Unavailable, Message: "the task could not be created", Err: err}
	}
	return nil
}
