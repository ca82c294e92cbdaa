/** TypeScript types for an OpenAPI document (an object, its JSON or YAML text, or a URL to fetch it from). */
export function generateTypes(document: object | string | URL): Promise<string>;
