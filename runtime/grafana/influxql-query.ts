import type * as cog from "@grafana/grafana-foundation-sdk/cog";
import type { DataSourceRef } from "@grafana/grafana-foundation-sdk/common";

/**
 * The target of Grafana's InfluxDB datasource in InfluxQL mode with a raw query: the foundation SDK
 * ships no InfluxDB query type, so this is one in its documented way of adding a datasource's query
 * (a Dataquery variant with its builder). Field names as Grafana's influxdb plugin stores them.
 */
export interface InfluxqlQuery extends cog.Dataquery {
  refId: string;
  datasource: DataSourceRef;
  query: string;
  rawQuery: true;
  resultFormat: "time_series" | "table";
  alias?: string;
}

export class InfluxqlQueryBuilder implements cog.Builder<cog.Dataquery> {
  private readonly internal: InfluxqlQuery;

  constructor(refId: string, datasource: DataSourceRef, query: string, resultFormat: "time_series" | "table" = "time_series") {
    this.internal = { refId, datasource, query, rawQuery: true, resultFormat, _implementsDataqueryVariant() {} };
  }

  alias(alias: string): this { this.internal.alias = alias; return this; }

  build(): InfluxqlQuery { return this.internal; }
}
