// validate(): one failing input per rule, each asserting the field path and what the message says is valid.
#include <habop/api/validate.hpp>

#include <catch2/catch.hpp>

#include <string>

namespace api = habop::api;
namespace bj = boost::json;

namespace {

api::habitat valid() {
  api::habitat h;
  h.metadata.name = "example";
  h.custom_version = "v1beta2";
  h.spec.count = 3;
  h.spec.image = "habitat/redis-hab";
  h.spec.service.name = "redis";
  return h;
}

// The single cause `validate` finds, checked for its path and a message fragment.
void expect_one(const api::habitat& h, const std::string& field, const std::string& reason,
                const std::string& message_part) {
  const auto causes = api::validate(h);
  INFO("field " << field);
  REQUIRE(causes.size() == 1);
  CHECK(causes[0].field == field);
  CHECK(causes[0].reason == reason);
  CHECK_THAT(causes[0].message, Catch::Contains(message_part));
}

}  // namespace

TEST_CASE("a minimal Habitat is valid") { CHECK(api::validate(valid()).empty()); }

TEST_CASE("validate: count is at least 0") {
  auto h = valid();
  h.spec.count = -1;
  expect_one(h, "spec.v1beta2.count", "FieldValueInvalid", "invalid value -1: must be greater than or equal to 0");
  h.spec.count = 0;
  CHECK(api::validate(h).empty());
}

TEST_CASE("validate: image is not empty") {
  auto h = valid();
  h.spec.image = "";
  expect_one(h, "spec.v1beta2.image", "FieldValueInvalid", "must not be empty");
}

TEST_CASE("validate: service.name is a Habitat package name") {
  auto h = valid();
  h.spec.service.name = "red is";
  expect_one(h, "spec.v1beta2.service.name", "FieldValueInvalid",
             "invalid value \"red is\": must be a Habitat package name");
  h.spec.service.name = "";
  expect_one(h, "spec.v1beta2.service.name", "FieldValueInvalid", "^[A-Za-z0-9_-]+$");
  h.spec.service.name = "hab-server_go2";
  CHECK(api::validate(h).empty());
}

TEST_CASE("validate: group and channel follow the Supervisor's syntax") {
  auto h = valid();
  h.spec.service.group = "prod.eu";
  expect_one(h, "spec.v1beta2.service.group", "FieldValueInvalid", "without '#', '@' or '.'");
  h.spec.service.group = "";
  expect_one(h, "spec.v1beta2.service.group", "FieldValueInvalid", "non-empty");
  h.spec.service.group = "prod@acme";
  expect_one(h, "spec.v1beta2.service.group", "FieldValueInvalid", "^[^#@.]+$");
  h.spec.service.group = "default";
  h.spec.service.channel = "un stable";
  expect_one(h, "spec.v1beta2.service.channel", "FieldValueInvalid", "a channel name");
  h.spec.service.channel = "bldr-1234567890.beta_2";
  CHECK(api::validate(h).empty());
}

TEST_CASE("validate: binds") {
  auto h = valid();
  h.spec.service.binds = {{"db:x", "redis", "default"}};
  expect_one(h, "spec.v1beta2.service.bind[0].name", "FieldValueInvalid", "without ':'");
  h.spec.service.binds = {{"", "redis", "default"}};
  expect_one(h, "spec.v1beta2.service.bind[0].name", "FieldValueInvalid", "non-empty");
  h.spec.service.binds = {{"db", "redis.x", "default"}};
  expect_one(h, "spec.v1beta2.service.bind[0].service", "FieldValueInvalid", "without '#', '@' or '.'");
  h.spec.service.binds = {{"db", "redis", "a#b"}};
  expect_one(h, "spec.v1beta2.service.bind[0].group", "FieldValueInvalid", "without '#', '@' or '.'");
  h.spec.service.binds = {{"db", "redis", "default"}, {"cache", "memcached", "default"}, {"db", "pg", "default"}};
  expect_one(h, "spec.v1beta2.service.bind[2].name", "FieldValueDuplicate",
             "duplicate value \"db\": already used by spec.v1beta2.service.bind[0]; name must be unique");
}

TEST_CASE("validate: ringSecretName is <ring>-<14 digits> and a Secret name") {
  auto h = valid();
  h.spec.service.ring_secret_name = "example-encrypted-ring";
  expect_one(h, "spec.v1beta2.service.ringSecretName", "FieldValueInvalid",
             "<ring>-<14-digit revision> such as example-encrypted-ring-20170829113029");
  h.spec.service.ring_secret_name = "ring-2017082911302";  // 13 digits
  expect_one(h, "spec.v1beta2.service.ringSecretName", "FieldValueInvalid", "^[a-z0-9][-a-z0-9]*-[0-9]{14}$");
  h.spec.service.ring_secret_name = "Ring_A-20170829113029";  // the original's regexp, but not a Secret name
  expect_one(h, "spec.v1beta2.service.ringSecretName", "FieldValueInvalid", "lowercase");
  h.spec.service.ring_secret_name = "example-encrypted-ring-20170829113029";
  CHECK(api::validate(h).empty());
}

TEST_CASE("validate: env names are valid and unique") {
  auto h = valid();
  h.spec.env = bj::array{bj::object{{"name", "1ABC"}, {"value", "x"}}};
  expect_one(h, "spec.v1beta2.env[0].name", "FieldValueInvalid", "not starting with a digit");
  h.spec.env = bj::array{bj::object{{"name", "A B"}}};
  expect_one(h, "spec.v1beta2.env[0].name", "FieldValueInvalid", "^[-._a-zA-Z][-._a-zA-Z0-9]*$");
  h.spec.env = bj::array{bj::object{{"value", "x"}}};
  expect_one(h, "spec.v1beta2.env[0].name", "FieldValueRequired", "required value");
  h.spec.env = bj::array{bj::object{{"name", "HAB_REDIS"}, {"value", "a"}}, bj::object{{"name", "HAB_REDIS"}}};
  expect_one(h, "spec.v1beta2.env[1].name", "FieldValueDuplicate", "duplicate value \"HAB_REDIS\"");
  h.spec.env = bj::array{bj::object{{"name", "PORT"}, {"value", 6999}}};
  expect_one(h, "spec.v1beta2.env[0].value", "FieldValueTypeInvalid", "must be a string, not an integer");
  h.spec.env = bj::array{bj::object{{"name", "my.var-1"}, {"valueFrom", bj::object{{"fieldRef", bj::object{}}}}}};
  CHECK(api::validate(h).empty());
}

TEST_CASE("validate: persistentStorage") {
  auto h = valid();
  h.spec.persistent_storage = api::persistent_storage{"1Gi", "/hab/svc/redis/data", ""};
  CHECK(api::validate(h).empty());

  h.spec.persistent_storage->size = "1 GB";
  expect_one(h, "spec.v1beta2.persistentStorage.size", "FieldValueInvalid", "a Kubernetes quantity");
  h.spec.persistent_storage->size = "0Gi";
  expect_one(h, "spec.v1beta2.persistentStorage.size", "FieldValueInvalid", "must be greater than zero");
  h.spec.persistent_storage->size = "-1Gi";
  expect_one(h, "spec.v1beta2.persistentStorage.size", "FieldValueInvalid", "must be greater than zero");
  h.spec.persistent_storage->size = "";
  expect_one(h, "spec.v1beta2.persistentStorage.size", "FieldValueInvalid", "a Kubernetes quantity");
  h.spec.persistent_storage->size = "500Mi";

  h.spec.persistent_storage->mount_path = "data";
  expect_one(h, "spec.v1beta2.persistentStorage.mountPath", "FieldValueInvalid", "an absolute path");
  h.spec.persistent_storage->mount_path = "/";
  expect_one(h, "spec.v1beta2.persistentStorage.mountPath", "FieldValueInvalid", "root directory");
  for (const char* reserved : {"/habitat-operator", "/hab/cache/keys", "/hab/cache/keys/sub", "/hab/user/redis/config/",
                               "/hab/svc/redis/files", "//hab//svc/redis/files/x"}) {
    h.spec.persistent_storage->mount_path = reserved;
    expect_one(h, "spec.v1beta2.persistentStorage.mountPath", "FieldValueInvalid", "collides with habop's own mount");
  }
  for (const char* fine : {"/hab", "/hab/svc/redis", "/hab/cache", "/hab/svc/redis/data", "/habitat-operator2"}) {
    h.spec.persistent_storage->mount_path = fine;
    INFO(fine);
    CHECK(api::validate(h).empty());
  }

  h.spec.persistent_storage->storage_class_name = "Fast_SSD";
  expect_one(h, "spec.v1beta2.persistentStorage.storageClassName", "FieldValueInvalid", "RFC 1123 subdomain");
  h.spec.persistent_storage->storage_class_name = "fast.ssd-1";
  CHECK(api::validate(h).empty());
}

TEST_CASE("validate: metadata.name fits the Service name, the StatefulSet's pods and labels") {
  auto h = valid();
  h.metadata.name = std::string(52, 'a');
  CHECK(api::validate(h).empty());
  h.metadata.name = "web-2";
  CHECK(api::validate(h).empty());
  h.metadata.name = std::string(53, 'a');
  expect_one(h, "metadata.name", "FieldValueTooLong", "must have at most 52 characters (has 53)");
  h.metadata.name = "nginx-1.2.3-20190621184813";   // what `hab pkg export kubernetes` names it by default
  expect_one(h, "metadata.name", "FieldValueInvalid", "lowercase RFC 1035 label");
  expect_one(h, "metadata.name", "FieldValueInvalid", "unless given `--k8s-name NAME`");
  h.metadata.name = "9lives";   // a valid object name, but not a valid Service name
  expect_one(h, "metadata.name", "FieldValueInvalid", "starting with a letter");
  h.metadata.name = "";
  expect_one(h, "metadata.name", "FieldValueInvalid", "lowercase RFC 1035 label");
}

TEST_CASE("validate: Secret names are DNS subdomains") {
  auto h = valid();
  h.spec.service.config_secret_name = "User.Toml";
  expect_one(h, "spec.v1beta2.service.configSecretName", "FieldValueInvalid", "RFC 1123 subdomain");
  h.spec.service.config_secret_name = "user-toml";
  h.spec.service.files_secret_name = "files_secret";
  expect_one(h, "spec.v1beta2.service.filesSecretName", "FieldValueInvalid", "RFC 1123 subdomain");
  h.spec.service.files_secret_name = std::string(254, 'a');
  expect_one(h, "spec.v1beta2.service.filesSecretName", "FieldValueTooLong", "at most 253 characters");
  h.spec.service.files_secret_name = "files.secret";
  h.spec.image_pull_secrets = {"regcred", "Bad"};
  expect_one(h, "spec.v1beta2.imagePullSecrets[1].name", "FieldValueInvalid", "RFC 1123 subdomain");
  h.spec.image_pull_secrets = {};
  h.spec.service_account_name = "-sa";
  expect_one(h, "spec.v1beta2.serviceAccountName", "FieldValueInvalid", "RFC 1123 subdomain");
}

TEST_CASE("validate: nodeSelector keys and values are label syntax") {
  auto h = valid();
  h.spec.node_selector = {{"kubernetes.io/os", "linux"}, {"disktype", "ssd"}};
  CHECK(api::validate(h).empty());
  h.spec.node_selector = {{"disk type", "ssd"}};
  expect_one(h, "spec.v1beta2.nodeSelector[disk type]", "FieldValueInvalid", "invalid label key \"disk type\"");
  h.spec.node_selector = {{"Example.com/x", "ssd"}};
  expect_one(h, "spec.v1beta2.nodeSelector[Example.com/x]", "FieldValueInvalid", "invalid label key");
  h.spec.node_selector = {{"disktype", "-ssd"}};
  expect_one(h, "spec.v1beta2.nodeSelector[disktype]", "FieldValueInvalid", "a label value");
  h.spec.node_selector = {{"disktype", std::string(64, 'a')}};
  expect_one(h, "spec.v1beta2.nodeSelector[disktype]", "FieldValueTooLong", "at most 63 characters");
}

TEST_CASE("validate: a missing customVersion is reported") {
  auto h = valid();
  h.custom_version.reset();
  expect_one(h, "customVersion", "FieldValueRequired", "must be one of \"v1beta2\"");
  h.custom_version = "v2";
  expect_one(h, "customVersion", "FieldValueNotSupported", "supported values: \"v1beta2\"");
}

TEST_CASE("validate reports every problem at once") {
  auto h = valid();
  h.metadata.name = "X";
  h.spec.count = -2;
  h.spec.image = "";
  h.spec.service.group = "a.b";
  CHECK(api::validate(h).size() == 4);
}

TEST_CASE("ring_name follows the original's ring regexp") {
  CHECK(api::ring_name("example-encrypted-ring-20170829113029") == "example-encrypted-ring");
  CHECK(api::ring_name("a-20170829113029") == "a");
  CHECK(api::ring_name("Ring_X-20170829113029") == "Ring_X");
  CHECK(api::ring_name("r-1-20170829113029") == "r-1");
  CHECK_FALSE(api::ring_name("-20170829113029"));
  CHECK_FALSE(api::ring_name("ring-2017082911302"));
  CHECK_FALSE(api::ring_name("ring-201708291130299"));  // 15 digits after the only '-'
  CHECK(api::ring_name("ring-2-01708291130299") == "ring-2");
  CHECK_FALSE(api::ring_name("ring.x-20170829113029"));
  CHECK_FALSE(api::ring_name("ring20170829113029"));
  CHECK_FALSE(api::ring_name(""));
}
