import { Type, type Static } from "@sinclair/typebox";
import { section } from "../schema-helpers.ts";

/**
 * The appliance's setup button (runtime/network/setup-button.ts): a push button between a GPIO line
 * and ground (the line is pulled up). Held for `hold_s` it opens the setup hotspot, whatever the
 * wallbox driver is, also in setup and failure mode. Off unless switched on (the Pi image's unit
 * sets GRIDBOX_SETUP_BUTTON__ENABLED=true), so `gridbox serve` on a laptop never looks for GPIO.
 * Read at start, like the hotspot section, from the file else the environment and defaults.
 */
export const setupButton = section({
  enabled: Type.Boolean({ default: false, description: "watch the setup button (a Raspberry Pi with the button wired)" }),
  pin: Type.Integer({ minimum: 0, maximum: 63, default: 22, description: "GPIO line of the button (BCM numbering; the button connects it to ground)" }),
  hold_s: Type.Number({ minimum: 1, maximum: 120, default: 10, description: "how long the button must be held to open the setup hotspot" }),
  chip: Type.String({ minLength: 1, default: "gpiochip0", description: "GPIO character device (gpiochip4 on a Pi 5 with older kernels)" }),
  tools_dir: Type.String({ default: "", description: "folder of libgpiod's gpioget/gpiomon (Debian package gpiod); empty: PATH" }),
}, "Setup button (GPIO): hold it to open the setup hotspot");

export type SetupButtonSettings = Static<typeof setupButton>;
