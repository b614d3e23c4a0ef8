module github.com/stockholm/insyn

go 1.26.0

// Direct dependencies, each for a solved problem (versions pinned to what the
// module proxy here serves, see ../shared/ENVIRONMENT.md):
//   - aws-sdk-go-v2 (+ config, credentials, service/s3, smithy-go for its
//     error types): the S3 backend of the lake store.
//   - parquet-go: the lake format (internal/lake/vparquet1).
//   - aws-lambda-go: the Lambda runtime loop and event types (internal/serve).
//   - aws-lambda-go-api-proxy: API Gateway v2 events <-> net/http (internal/serve).
//   - excelize: reads the XLSX files staff upload (internal/upload) and writes
//     the XLSX open-data files (internal/api).
//   - x/text (encoding/charmap, encoding/unicode, unicode/norm): decodes Windows-1252 and UTF-16 CSV exports
//     and normalises person ids (NFKC) before the personnummer guard (internal/upload).
//   - graphql-go: the GraphQL schema, validation and execution (internal/api).
//   - yaml.v3 (tests and infra/load, in no Lambda binary): reads template.yaml with
//     CloudFormation's !Ref/!Sub/!GetAtt tags kept as nodes, so infra's tests check the IAM
//     policies and the fairness scenario runs the API with the template's GOMEMLIMIT
//     (goformation v5+ is not served here, and v4 rejects Architectures and
//     AWS::Serverless::HttpApi).
//   - chromedp (+ cdproto, its typed DevTools protocol): drives headless
//     Chromium in the explorer's browser test (internal/explorer, tests
//     only, in no binary). Standard library plus cdproto, with its own
//     WebSocket client (package remote); ~4 MB of source. The alternative, a
//     hand-written CDP client, would be more code to trust for one test.
//   - kin-openapi (+ gorilla/mux for its router): validates every kind of
//     answer of the PxWeb endpoint against PxWebApi 2.0's OpenAPI 3.0
//     document (internal/api, tests only, in no binary). Pinned to v0.153.0,
//     the newest of the versions the proxy here serves (v0.146-v0.153); the
//     most used Go OpenAPI 3.0 validator, maintained, with request and
//     response validation by route (openapi3filter). pb33f/libopenapi, the
//     alternative, validates through a separate module (libopenapi-validator).
require (
	github.com/aws/aws-lambda-go v1.55.1
	github.com/aws/aws-sdk-go-v2 v1.47.7
	github.com/aws/aws-sdk-go-v2/config v1.33.15
	github.com/aws/aws-sdk-go-v2/credentials v1.20.15
	github.com/aws/aws-sdk-go-v2/service/s3 v1.114.8
	github.com/aws/smithy-go v1.28.8
	github.com/awslabs/aws-lambda-go-api-proxy v0.16.2
	github.com/chromedp/cdproto v0.159.0
	github.com/chromedp/chromedp v0.23.0
	github.com/getkin/kin-openapi v0.153.0
	github.com/graphql-go/graphql v0.8.1
	github.com/parquet-go/parquet-go v0.32.0
	github.com/xuri/excelize/v2 v2.11.1
	golang.org/x/text v0.43.0
	gopkg.in/yaml.v3 v3.0.1
)

require (
	github.com/andybalholm/brotli v1.1.1 // indirect
	github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream v1.7.26 // indirect
	github.com/aws/aws-sdk-go-v2/feature/ec2/imds v1.20.7 // indirect
	github.com/aws/aws-sdk-go-v2/internal/configsources v1.5.10 // indirect
	github.com/aws/aws-sdk-go-v2/internal/endpoints/v2 v2.8.10 // indirect
	github.com/aws/aws-sdk-go-v2/internal/v4a v1.5.10 // indirect
	github.com/aws/aws-sdk-go-v2/service/internal/accept-encoding v1.13.24 // indirect
	github.com/aws/aws-sdk-go-v2/service/internal/checksum v1.11.11 // indirect
	github.com/aws/aws-sdk-go-v2/service/internal/presigned-url v1.14.10 // indirect
	github.com/aws/aws-sdk-go-v2/service/internal/s3shared v1.20.10 // indirect
	github.com/aws/aws-sdk-go-v2/service/signin v1.12.3 // indirect
	github.com/aws/aws-sdk-go-v2/service/sso v1.39.3 // indirect
	github.com/aws/aws-sdk-go-v2/service/ssooidc v1.44.3 // indirect
	github.com/aws/aws-sdk-go-v2/service/sts v1.51.8 // indirect
	github.com/go-json-experiment/json v0.0.0-20260213210345-44df1a37e875 // indirect
	github.com/go-openapi/jsonpointer v0.22.5 // indirect
	github.com/go-openapi/swag/jsonname v0.25.5 // indirect
	github.com/google/go-cmp v0.6.0 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/gorilla/mux v1.8.0 // indirect
	github.com/klauspost/compress v1.17.9 // indirect
	github.com/kr/pretty v0.3.1 // indirect
	github.com/parquet-go/bitpack v1.0.0 // indirect
	github.com/parquet-go/jsonlite v1.0.0 // indirect
	github.com/pierrec/lz4/v4 v4.1.21 // indirect
	github.com/richardlehane/mscfb v1.0.9 // indirect
	github.com/richardlehane/msoleps v1.0.6 // indirect
	github.com/santhosh-tekuri/jsonschema/v6 v6.0.3 // indirect
	github.com/tiendc/go-deepcopy v1.7.2 // indirect
	github.com/twpayne/go-geom v1.6.1 // indirect
	github.com/xuri/efp v0.0.3-0.20260924042702-217b81952dec // indirect
	github.com/xuri/nfp v0.0.2-0.20250530014748-2ddeb826f9a9 // indirect
	go.yaml.in/yaml/v4 v4.0.0 // indirect
	golang.org/x/crypto v0.58.0 // indirect
	golang.org/x/net v0.62.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	google.golang.org/protobuf v1.34.2 // indirect
)
