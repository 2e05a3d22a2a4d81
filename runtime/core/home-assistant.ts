/**
 * What a component needs to show itself in Home Assistant, without knowing MQTT discovery details.
 * The Home Assistant publisher implements it; components declare entities and publish states.
 */
export interface HaDevice {
  /** stable identifier, unique per appliance (e.g. "gridbox_pi01_powerwall") */
  readonly id: string;
  readonly name: string;
  readonly model?: string;
  readonly manufacturer?: string;
  readonly swVersion?: string;
  /** the id of the device this one is reached through (the gridbox itself) */
  readonly viaDevice?: string;
}

export type HaComponent = "sensor" | "binary_sensor" | "select" | "switch" | "number" | "button";

export interface HaEntitySpec {
  readonly component: HaComponent;
  readonly device: HaDevice;
  /** unique within the device; becomes part of unique_id and the topics */
  readonly objectId: string;
  readonly name: string;
  /** further discovery keys in Home Assistant's full names: device_class, state_class, unit_of_measurement, options, icon, ... */
  readonly discovery?: Readonly<Record<string, unknown>>;
  /** unavailable in Home Assistant while its device is (setDeviceAvailable), e.g. a charger that does not answer */
  readonly followsDevice?: boolean;
}

export interface HaEntityHandle {
  /** Publishes the entity's state (retained); null publishes nothing and marks it unknown. */
  publish(state: string | number | boolean | null): void;
}

export interface HomeAssistantBridge {
  /** the gridbox's own device id (use it as `viaDevice`); undefined when Home Assistant is off */
  readonly gridboxDeviceId?: string;
  /** Declares an entity; it is announced now and again whenever Home Assistant comes online. */
  declare(spec: HaEntitySpec, onCommand?: (payload: string) => void): HaEntityHandle;
  /** Whether the device is reachable; entities declared with followsDevice show unavailable while it is not. */
  setDeviceAvailable(device: HaDevice, online: boolean): void;
}

/** For when Home Assistant is switched off in the config. */
export const noHomeAssistant: HomeAssistantBridge = {
  declare: () => ({ publish: () => {} }),
  setDeviceAvailable: () => {},
};
