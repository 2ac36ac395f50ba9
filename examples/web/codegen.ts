import type { CodegenConfig } from '@graphql-codegen/cli';

// Types come from the SDL committed at the repository root, so the app and the gateway
// cannot drift apart silently: a breaking schema change fails `npm run build`.
const config: CodegenConfig = {
  schema: '../../schema.graphql',
  documents: ['src/**/*.{ts,tsx}', '!src/gql/**/*'],
  ignoreNoDocuments: false,
  generates: {
    './src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        enumType: 'const',
        useTypeImports: true,
        // DateTime is an RFC 3339 string; any other scalar the schema may add is `unknown`
        // until mapped here, so it cannot be used carelessly.
        scalars: { DateTime: 'string' },
        defaultScalarType: 'unknown',
      },
    },
  },
};

export default config;
