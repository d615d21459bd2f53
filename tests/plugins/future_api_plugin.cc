// A plugin as a future minimr with API version 99 would build it: only the version symbol
// matters, since minimr reads it before running any of the plugin's code.
extern "C" {
[[gnu::used, gnu::visibility("default")]] int minimr_plugin_api_v99 = 99;
}
