// For typechecking src/ against the Workers types (tsconfig.worker.json): the DOM library's name for a default
// reader's source, which src/lib/multipart.ts uses; the Workers types call it UnderlyingSource.
type UnderlyingDefaultSource<R = any> = UnderlyingSource<R>;
