// A consumer of habop::habop: reconcile a Habitat in an empty cluster and turn the plan into requests.
#include <habop/http/to_request.hpp>
#include <habop/json/codec.hpp>
#include <habop/reconcile/reconcile.hpp>

int main() {
  auto raw = habop::json::parse_json(R"({"apiVersion":"habitat.sh/v1beta1","kind":"Habitat","customVersion":"v1beta2",
    "metadata":{"name":"redis","namespace":"default","uid":"u1","generation":1},
    "spec":{"v1beta2":{"image":"habitat/redis","count":1,"service":{"name":"redis","topology":"standalone"}}}})");
  if (!raw) return 1;
  habop::reconcile::snapshot observed;
  observed.habitats.push_back(habop::reconcile::share(raw->as_object()));
  auto plan = habop::reconcile::reconcile(raw->as_object(), observed, habop::instant::from_seconds(1'700'000'000));
  if (plan.operations.size() != 3 || !plan.status) return 2;
  for (const auto& op : plan.operations)
    if (habop::http::to_request(op).method != "POST") return 3;
  return 0;
}
