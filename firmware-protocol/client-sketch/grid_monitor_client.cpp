// Reference client for gridbox firmware-protocol v1 (see ../PROTOCOL.md), for ESP-IDF >= 5.x (C++).
//
// *** This file is a SKETCH for firmware authors. It is NOT compiled or tested in the gridbox repo:
// *** there is no ESP-IDF toolchain here. Treat it as annotated pseudo-code that follows the
// *** protocol; build and test it in your firmware project (idf.py build).
//
// What it shows:
//   - MQTT 3.1.1 with user name = device id, client id = open_grid_monitor_{id}
//   - the retained last will {"online":false} and the retained birth {"online":true,"protocol":1}
//   - readings sampled at 50 Hz into a queue, published in batches of 10 (JSON array form)
//   - status telemetry every 30 s, logs as JSON
//   - timestamps in µs from gettimeofday(); sending continues before SNTP sync (gridbox flags those)
//
// Wi-Fi setup, NVS credentials and the ADE7953 driver are left out (see open-grid-monitor upstream).

#include <cstdio>
#include <cstring>
#include <string>
#include <sys/time.h>
#include "esp_log.h"
#include "esp_mac.h"
#include "esp_system.h"
#include "esp_wifi.h"
#include "esp_netif_sntp.h"
#include "freertos/FreeRTOS.h"
#include "freertos/queue.h"
#include "freertos/task.h"
#include "mqtt_client.h"

static const char *TAG = "gridbox_client";
static constexpr int PROTOCOL_VERSION = 1;
static constexpr int SAMPLE_HZ = 50;
static constexpr int BATCH = 10;              // 10 readings = 200 ms per message
static constexpr int STATUS_PERIOD_S = 30;

struct Reading { int64_t timestamp_us; float frequency_hz; float voltage_v; float current_a; float power_w; };

static QueueHandle_t readings;                // filled by the sampling task
static esp_mqtt_client_handle_t mqtt;
static volatile bool connected = false;
static char device_id[13];                    // 12 lower-case hex chars of the STA MAC
static char topic_measurement[64], topic_status[64], topic_logs[64], client_id[48];

static int64_t now_us() {
  struct timeval tv;
  gettimeofday(&tv, nullptr);                 // 1970-based until SNTP syncs: still send, gridbox flags it
  return (int64_t)tv.tv_sec * 1000000LL + tv.tv_usec;
}

// Provided by your metering driver (ADE7953 PERIOD register every 20 ms upstream).
extern bool read_grid(float *frequency_hz, float *voltage_v, float *current_a, float *power_w);

static void sampling_task(void *) {
  TickType_t last = xTaskGetTickCount();
  for (;;) {
    vTaskDelayUntil(&last, pdMS_TO_TICKS(1000 / SAMPLE_HZ));
    Reading r{now_us(), 0, 0, 0, 0};
    if (!read_grid(&r.frequency_hz, &r.voltage_v, &r.current_a, &r.power_w)) continue;
    if (r.frequency_hz < 40 || r.frequency_hz > 70 || r.voltage_v < 0 || r.voltage_v > 500) continue; // PROTOCOL.md ranges
    if (xQueueSend(readings, &r, 0) != pdTRUE) ESP_LOGW(TAG, "reading queue full, dropping");
  }
}

static void publish_birth() {
  char json[128];
  snprintf(json, sizeof json, "{\"online\":true,\"protocol\":%d,\"firmware\":\"ref-sketch-1\",\"timestamp\":%lld}",
           PROTOCOL_VERSION, (long long)now_us());
  esp_mqtt_client_publish(mqtt, topic_status, json, 0, /*qos*/ 1, /*retain*/ 1);
}

static void mqtt_event(void *, esp_event_base_t, int32_t event_id, void *data) {
  auto *event = static_cast<esp_mqtt_event_handle_t>(data);
  switch ((esp_mqtt_event_id_t)event_id) {
    case MQTT_EVENT_CONNECTED:
      connected = true;
      publish_birth();                        // after every (re)connect
      break;
    case MQTT_EVENT_DISCONNECTED:
      connected = false;                      // esp-mqtt reconnects by itself (reconnect_timeout_ms)
      break;
    case MQTT_EVENT_ERROR:
      if (event->error_handle->error_type == MQTT_ERROR_TYPE_CONNECTION_REFUSED)
        ESP_LOGE(TAG, "CONNACK refused: %d (4 = bad password, 5 = no credentials, 2 = client id taken)",
                 event->error_handle->connect_return_code);
      break;
    default: break;
  }
}

static void publisher_task(void *) {
  std::string json;
  json.reserve(BATCH * 110 + 2);
  Reading r;
  int64_t last_status = 0;
  for (;;) {
    // collect one batch (blocks until readings arrive)
    json = "[";
    int n = 0;
    while (n < BATCH && xQueueReceive(readings, &r, pdMS_TO_TICKS(1000)) == pdTRUE) {
      char one[128];
      snprintf(one, sizeof one, "%s{\"timestamp\":%lld,\"frequency\":%.3f,\"voltage\":%.1f,\"current\":%.3f,\"power\":%.1f}",
               n ? "," : "", (long long)r.timestamp_us, r.frequency_hz, r.voltage_v, r.current_a, r.power_w);
      json += one;
      n++;
    }
    json += "]";
    if (n > 0 && connected) esp_mqtt_client_publish(mqtt, topic_measurement, json.c_str(), json.size(), 0, 0); // QoS 0, not retained
    // (while disconnected the batch is dropped; keep a bounded ring buffer instead if you must not lose readings)

    if (connected && now_us() - last_status > STATUS_PERIOD_S * 1000000LL) {
      last_status = now_us();
      wifi_ap_record_t ap;
      int rssi = esp_wifi_sta_get_ap_info(&ap) == ESP_OK ? ap.rssi : -127;
      char status[128];
      snprintf(status, sizeof status, "{\"timestamp\":%lld,\"rssi\":%d,\"free_heap\":%lu}",
               (long long)last_status, rssi, (unsigned long)esp_get_free_heap_size());
      esp_mqtt_client_publish(mqtt, topic_status, status, 0, 0, 0);
    }
  }
}

/** A log entry as PROTOCOL.md §4.3 (escape quotes and backslashes in real code). */
void publish_log(const char *level, const char *module, const char *message) {
  if (!connected) return;
  char json[256];
  snprintf(json, sizeof json, "{\"timestamp\":%lld,\"level\":\"%s\",\"message\":\"%s\",\"module\":\"%s\"}",
           (long long)now_us(), level, message, module);
  esp_mqtt_client_publish(mqtt, topic_logs, json, 0, 0, 0);
}

extern "C" void gridbox_client_start(const char *broker_uri, const char *password) {
  uint8_t mac[6];
  esp_read_mac(mac, ESP_MAC_WIFI_STA);
  snprintf(device_id, sizeof device_id, "%02x%02x%02x%02x%02x%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
  snprintf(client_id, sizeof client_id, "open_grid_monitor_%s", device_id);
  snprintf(topic_measurement, sizeof topic_measurement, "open_grid_monitor/%s/measurement", device_id);
  snprintf(topic_status, sizeof topic_status, "open_grid_monitor/%s/status", device_id);
  snprintf(topic_logs, sizeof topic_logs, "open_grid_monitor/%s/logs", device_id);

  esp_sntp_config_t sntp = ESP_NETIF_SNTP_DEFAULT_CONFIG("pool.ntp.org");
  esp_netif_sntp_init(&sntp);                 // do not wait for it: readings before sync are flagged, not lost

  esp_mqtt_client_config_t cfg = {};
  cfg.broker.address.uri = broker_uri;        // "mqtt://gridbox.local:1883" or "ws://gridbox.local:9001/"
  cfg.credentials.username = device_id;
  cfg.credentials.client_id = client_id;
  cfg.credentials.authentication.password = password;
  cfg.session.protocol_ver = MQTT_PROTOCOL_V_3_1_1;
  cfg.session.keepalive = 60;
  cfg.session.disable_clean_session = false;
  cfg.session.last_will.topic = topic_status;
  cfg.session.last_will.msg = "{\"online\":false}";
  cfg.session.last_will.qos = 1;
  cfg.session.last_will.retain = 1;
  cfg.network.reconnect_timeout_ms = 5000;
  cfg.buffer.size = 2048;                     // > one batch of 10 readings (~1.1 kB)

  readings = xQueueCreate(SAMPLE_HZ * 2, sizeof(Reading));
  mqtt = esp_mqtt_client_init(&cfg);
  esp_mqtt_client_register_event(mqtt, MQTT_EVENT_ANY, mqtt_event, nullptr);
  esp_mqtt_client_start(mqtt);
  xTaskCreate(sampling_task, "sample", 4096, nullptr, 10, nullptr);
  xTaskCreate(publisher_task, "publish", 6144, nullptr, 5, nullptr);
}
