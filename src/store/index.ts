export { createStore, num, supportsQueryParams } from "./client.ts";
export type { Store, StoreOptions } from "./client.ts";
export { sql, p, ident, render, join, quoteString, SqlValueError } from "./sql.ts";
export type { Sql, Param, Ident, Rendered, ParamType } from "./sql.ts";
export { MIGRATIONS, migrate, applyStatement } from "./migrations.ts";
export type { Migration } from "./migrations.ts";
export { ensureCcvTables, CCV_BUCKET_SECONDS } from "./ccv-tables.ts";
export { FACT_RESOLUTIONS_MS, FACT_DIMENSION_COLUMNS } from "./rollups.ts";
export { insertGroups, insertIsolatingPoison, isRowDataError, clickhouseCode } from "./poison.ts";
