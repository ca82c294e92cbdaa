import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';

/**
 * TypeScript types (`paths`, `components`, `operations`) for mms-media's OpenAPI document, made by openapi-typescript.
 * Files (`format: binary`) are typed as Blob, what a caller sends and fetch gets, instead of its default string.
 * This package has its own TypeScript 5: openapi-typescript builds the types with TypeScript's JS API, which
 * TypeScript 7 (the project's compiler) does not have.
 */
export async function generateTypes(document) {
  const blob = ts.factory.createTypeReferenceNode(ts.factory.createIdentifier('Blob'));
  const ast = await openapiTS(document, { transform: (schema) => (schema.format === 'binary' ? blob : undefined) });
  return astToString(ast);
}
