// The values kube-apiserver fills in when a StatefulSet or Service leaves a field out, as the observed hash needs
// them (fingerprint.hpp): a field equal to its server default hashes as if absent.
#pragma once

#include <optional>
#include <string_view>

namespace habop::reconcile::detail {

/// The `imagePullPolicy` the API server gives a container running `image` (k8s.io/kubernetes
/// `SetDefaults_Container`: `Always` for the tag `latest` or no tag and no digest, else `IfNotPresent`); nullopt
/// when `image` is not a reference this function parses with certainty (uppercase repository, odd characters, a
/// malformed digest), so that the field is then hashed as it is.
std::optional<std::string_view> default_image_pull_policy(std::string_view image);

}  // namespace habop::reconcile::detail
