package gcpfirestore

import (
	"context"
	"os"

	"cloud.google.com/go/firestore/apiv1/firestorepb"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"example.com/crm/shared/dbcost"
)

// Firestore bills a read per document a get or query returns (a query
// that returns none: one), and a write per document a commit writes.
// These interceptors count both into the request's dbcost.Counter.

func countUnary(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	err := invoker(ctx, method, req, reply, cc, opts...)
	c := dbcost.FromContext(ctx)
	switch r := req.(type) {
	case *firestorepb.CommitRequest:
		if err == nil {
			c.AddWrites(len(r.GetWrites()))
		}
	case *firestorepb.GetDocumentRequest:
		c.AddReads(1)
	}
	return err
}

func countStream(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	s, err := streamer(ctx, desc, cc, method, opts...)
	if err != nil {
		return s, err
	}
	return &countingStream{ClientStream: s, c: dbcost.FromContext(ctx)}, nil
}

type countingStream struct {
	grpc.ClientStream
	c       *dbcost.Counter
	query   bool
	results int
}

func (s *countingStream) SendMsg(m any) error {
	if _, ok := m.(*firestorepb.RunQueryRequest); ok {
		s.query = true
	}
	return s.ClientStream.SendMsg(m)
}

func (s *countingStream) RecvMsg(m any) error {
	err := s.ClientStream.RecvMsg(m)
	if err != nil {
		if s.query && s.results == 0 {
			s.c.AddReads(1) // an empty query result is billed one read
			s.results = -1
		}
		return err
	}
	switch r := m.(type) {
	case *firestorepb.BatchGetDocumentsResponse:
		if r.GetFound() != nil || r.GetMissing() != "" {
			s.c.AddReads(1)
		}
	case *firestorepb.RunQueryResponse:
		if r.GetDocument() != nil {
			s.c.AddReads(1)
			s.results++
		}
	}
	return err
}

// clientOptions connect the SDK with the counting interceptors: to the
// emulator when FIRESTORE_EMULATOR_HOST is set (as the SDK itself would,
// plaintext and with its admin token), else to Firestore.
func clientOptions() ([]option.ClientOption, error) {
	counting := []grpc.DialOption{grpc.WithChainUnaryInterceptor(countUnary), grpc.WithChainStreamInterceptor(countStream)}
	addr := os.Getenv("FIRESTORE_EMULATOR_HOST")
	if addr == "" {
		var opts []option.ClientOption
		for _, d := range counting {
			opts = append(opts, option.WithGRPCDialOption(d))
		}
		return opts, nil
	}
	conn, err := grpc.NewClient(addr, append(counting,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithPerRPCCredentials(emulatorOwner{}))...)
	if err != nil {
		return nil, err
	}
	return []option.ClientOption{option.WithGRPCConn(conn)}, nil
}

// emulatorOwner is the credential the emulator takes as its administrator.
type emulatorOwner struct{}

func (emulatorOwner) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer owner"}, nil
}

func (emulatorOwner) RequireTransportSecurity() bool { return false }
