// PostGraphile v5 configuration for the interest-gateway comparison benchmark.
//
// Exposes only schema `pgl` (bench/postgraphile/setup.sql) of the database in DATABASE_URL
// on 127.0.0.1:$PORT/graphql. Amber preset: tables and SETOF functions become Relay
// connections (edges/node/cursor/pageInfo, plus `nodes`). No GraphiQL, no watch mode, no
// explain: the "production" configuration. Started by ./start.sh.
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";

const connectionString = process.env.DATABASE_URL;
if (!connectionString) throw new Error("DATABASE_URL is not set (use ./start.sh PORT DATABASE_URL)");

/** @type {GraphileConfig.Preset} */
const preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [
    makePgService({
      connectionString,
      schemas: ["pgl"],
      // node-postgres pool; same order as the gateway's default pool (10 connections).
      poolConfig: { max: Number(process.env.PG_POOL_MAX ?? 10) },
      // No LISTEN connection: no subscriptions / watch in the bench.
      pubsub: false,
    }),
  ],
  grafserv: {
    host: "127.0.0.1",
    port: Number(process.env.PORT ?? 5678),
    graphqlPath: "/graphql",
    graphiql: false,
    watch: false,
    websockets: false,
  },
  grafast: {
    explain: false,
  },
};

export default preset;
