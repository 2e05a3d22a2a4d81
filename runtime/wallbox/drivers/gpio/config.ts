import { Type, type Static } from "@sinclair/typebox";
import { durationMs, hostAddress, port, secret, section } from "../../../config/schema-helpers.ts";

/** Settings of the GPIO relay driver (`wallbox.driver: gpio`, under `wallbox.gpio`). */
export const gpioSection = section({
  chip: Type.String({ minLength: 1, default: "gpiochip0", description: "GPIO character device (gpiochip4 on a Pi 5 with older kernels)" }),
  relay_pin: Type.Integer({ minimum: 0, maximum: 63, default: 17, description: "line driving the wallbox enable contact" }),
  relay_active_low: Type.Boolean({ default: false, description: "the relay closes on a low level" }),
  led_pin: Type.Integer({ minimum: -1, maximum: 63, default: 27, description: "status LED line (-1: none)" }),
  button_pin: Type.Integer({ minimum: -1, maximum: 63, default: -1, description: "moved: the setup button is its own section now (setup_button.pin); only -1 is accepted here" }),
  tools_dir: Type.String({ default: "", description: "folder of libgpiod's gpioset/gpioget/gpiomon (Debian package gpiod); empty: PATH" }),
  fixed_current_a: Type.Number({ minimum: 6, maximum: 32, default: 16, description: "current the wallbox draws when its contact is closed" }),
}, "GPIO relay through johnny-five");

export type GpioConfig = Static<typeof gpioSection>;

/** The setup button moved out of the GPIO driver (it belongs to the appliance, whatever the charger is). */
export function checkGpio(c: GpioConfig, path: string): string[] {
  return c.button_pin >= 0 ? [`${path}/button_pin: the setup button is its own section now (hint: remove button_pin here and set setup_button: { enabled: true, pin: ${c.button_pin} })`] : [];
}
