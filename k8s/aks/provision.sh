#!/usr/bin/env bash
# Provisions Drone Delivery on Azure, from an empty subscription to a cluster ready for
# `helm upgrade --install`, and writes the Helm values overlay with everything that is
# particular to the subscription. Idempotent: every resource is looked up first and created
# only when absent (or made by a command that is idempotent itself), so a second run changes
# nothing. --dry-run prints every az, kubectl and helm call instead of making it.
# k8s/README.md describes what it creates; k8s/aks/provision.sh --help lists the parameters.
set -euo pipefail
[ "${BASH_VERSINFO[0]}" -ge 4 ] || { echo "provision.sh: needs bash 4 or later" >&2; exit 2; }

usage() {
  cat <<'EOF'
Usage: k8s/aks/provision.sh --prefix NAME --location REGION --host HOST
         --admin-group ID --developer-group ID --reader-group ID [options]

Required:
  --prefix NAME           base of every name (lowercase letters, digits, dashes; 3-14 characters)
  --location REGION       Azure region with availability zones, e.g. westeurope
  --host HOST             the API's public host name, e.g. api.example.com (console at /)
  --admin-group ID        Entra ID group (object id): cluster admins
  --developer-group ID    Entra ID group: the dronedelivery-developer role in the namespace
  --reader-group ID       Entra ID group: the dronedelivery-reader role in the namespace

Options:
  --subscription ID       subscription to use (default: the current one)
  --values-out FILE       where to write the values overlay (default: dronedelivery-azure.yaml)
  --assign-me-customer    give the signed-in user the API's customer role
  --dry-run               print every az / kubectl / helm call instead of making it; Azure's
                          answers are examples, and the overlay is written with them
Names (default from --prefix; those marked * must be unique across Azure):
  --resource-group NAME   default PREFIX
  --acr-name NAME       * default PREFIX without dashes + acr
  --key-vault-name NAME * default PREFIX-kv
  --mongo-account NAME  * Cosmos DB for MongoDB account (package), default PREFIX-mongo
  --cosmos-account NAME * Cosmos DB for NoSQL account (dronescheduler), default PREFIX-cosmos
  --queue-redis NAME    * Azure Cache for Redis of the queue, default PREFIX-queue
  --cache-redis NAME    * Azure Cache for Redis of deliveries and rate limits, default PREFIX-cache
  --storage-account NAME* the queue cache's persistence, default PREFIX without dashes + aof
Network (the pod CIDR is an overlay and must not overlap them):
  --vnet-cidr CIDR        default 10.10.0.0/16
  --nodes-subnet CIDR     default 10.10.0.0/22
  --endpoints-subnet CIDR private endpoints, default 10.10.4.0/24
User node pools (one per zone; defaults from `pnpm --filter @dronedelivery/charts node-pool`):
  --node-vm-size SIZE     default Standard_D8ds_v5
  --max-pods N            default 50
  --min-nodes N           per zone, default 1
  --max-nodes N           per zone, default 2
EOF
}

# Defaults. The user pools' are charts/scripts/node-pool.ts's result (a test keeps them equal).
prefix="" location="" host="" admin_group="" developer_group="" reader_group=""
subscription="" values_out="dronedelivery-azure.yaml" assign_me_customer=false dry_run=false
resource_group="" acr_name="" key_vault_name="" mongo_account="" cosmos_account=""
queue_redis="" cache_redis="" storage_account=""
vnet_cidr="10.10.0.0/16" nodes_subnet_cidr="10.10.0.0/22" endpoints_subnet_cidr="10.10.4.0/24"
node_vm_size="Standard_D8ds_v5" max_pods=50 min_nodes=1 max_nodes=2

fail() {
  printf 'provision.sh: %s\n' "$*" >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case "$1" in
    --help | -h) usage; exit 0 ;;
    --dry-run) dry_run=true; shift; continue ;;
    --assign-me-customer) assign_me_customer=true; shift; continue ;;
  esac
  [ $# -ge 2 ] || fail "$1 needs a value (--help lists the parameters)"
  case "$1" in
    --prefix) prefix=$2 ;;
    --location) location=$2 ;;
    --host) host=$2 ;;
    --admin-group) admin_group=$2 ;;
    --developer-group) developer_group=$2 ;;
    --reader-group) reader_group=$2 ;;
    --subscription) subscription=$2 ;;
    --values-out) values_out=$2 ;;
    --resource-group) resource_group=$2 ;;
    --acr-name) acr_name=$2 ;;
    --key-vault-name) key_vault_name=$2 ;;
    --mongo-account) mongo_account=$2 ;;
    --cosmos-account) cosmos_account=$2 ;;
    --queue-redis) queue_redis=$2 ;;
    --cache-redis) cache_redis=$2 ;;
    --storage-account) storage_account=$2 ;;
    --vnet-cidr) vnet_cidr=$2 ;;
    --nodes-subnet) nodes_subnet_cidr=$2 ;;
    --endpoints-subnet) endpoints_subnet_cidr=$2 ;;
    --node-vm-size) node_vm_size=$2 ;;
    --max-pods) max_pods=$2 ;;
    --min-nodes) min_nodes=$2 ;;
    --max-nodes) max_nodes=$2 ;;
    *) fail "unknown parameter $1 (--help lists them)" ;;
  esac
  shift 2
done

for required in prefix location host admin_group developer_group reader_group; do
  [ -n "${!required}" ] || fail "--${required//_/-} is required (--help lists the parameters)"
done
[[ $prefix =~ ^[a-z][a-z0-9-]{1,12}[a-z0-9]$ ]] || fail "--prefix: 3-14 lowercase letters, digits and dashes, starting with a letter"
[[ $location =~ ^[a-z][a-z0-9]+$ ]] || fail "--location: an Azure region name such as westeurope (az account list-locations)"
# The host goes into the Ingress, the console's redirect URI and the overlay: a DNS name only.
[[ $host =~ ^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$ ]] || fail "--host: a DNS name such as api.example.com (lowercase, no scheme, port or path)"
guid='^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
for group in admin_group developer_group reader_group; do
  [[ ${!group} =~ $guid ]] || fail "--${group//_/-}: an Entra ID group object id (a GUID)"
done

compact=${prefix//-/}
resource_group=${resource_group:-$prefix}
acr_name=${acr_name:-${compact}acr}
key_vault_name=${key_vault_name:-$prefix-kv}
mongo_account=${mongo_account:-$prefix-mongo}
cosmos_account=${cosmos_account:-$prefix-cosmos}
queue_redis=${queue_redis:-$prefix-queue}
cache_redis=${cache_redis:-$prefix-cache}
storage_account=${storage_account:-${compact}aof}
cluster=$prefix-aks
vnet=$prefix-vnet
log_workspace=$prefix-logs
monitor_workspace=$prefix-prometheus
app_insights=$prefix-appinsights
private_link_scope=$prefix-ampls
api_app_name=$prefix-api
console_app_name=$prefix-console
namespace=dronedelivery
services=(gateway ingestion workflow delivery package dronescheduler console simulator)
# Key Vault secrets each service reads (values-production.yaml's secrets.variables). The
# simulator needs no token in Key Vault: it asks Entra ID for drone tokens as its identity.
declare -A secrets_of=(
  [gateway]="cache-redis-password workflow-admin-token appinsights-connection-string"
  [ingestion]="queue-redis-password appinsights-connection-string"
  [workflow]="queue-redis-password workflow-admin-token appinsights-connection-string"
  [delivery]="cache-redis-password appinsights-connection-string"
  [package]="package-mongodb-url appinsights-connection-string"
  [dronescheduler]="appinsights-connection-string"
  [console]="appinsights-connection-string"
  [simulator]="appinsights-connection-string"
)
# The dronescheduler's containers and partition keys (services/dronescheduler/src/store/cosmos.ts):
# created here because its Entra ID data-plane role may read and write items, not create containers.
cosmos_containers=("drones /id" "assignments /id" "utilization /ownerId")
ingress_nginx_chart_version=4.14.2
kyverno_chart_version=3.7.2
# Azure CLI's public client id: pre-authorized so `az account get-access-token --scope api://<api>/.default` works.
azure_cli_app_id=04b07795-8ddb-461a-bbee-02f9e1bf7b46
# The built-in "Cosmos DB Built-in Data Contributor" data-plane role.
cosmos_data_contributor=00000000-0000-0000-0000-000000000002
repository=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
case "$values_out" in /*) ;; *) values_out="$PWD/$values_out" ;; esac

# --- How commands run -----------------------------------------------------------------
# Every call goes through one of four functions, so --dry-run can print it instead:
#   run      a change (az calls get --output none)
#   exists   a show: true when the resource exists (dry run: never, as on an empty subscription)
#   lookup   a show or list whose output is an existing value ("" when absent; dry run: "")
#   query    a read whose answer is needed (dry run: the example given first)
# Calls are printed one per line: on stdout in a dry run, on stderr as they run otherwise.
if $dry_run; then exec 3>&1; else exec 3>&2; fi

show_call() {
  local plain='^[A-Za-z0-9_./:=@,+%-]+$' line="" word quote="'" escaped="'\\''"
  for word in "$@"; do
    if [[ $word =~ $plain ]]; then line+=" $word"; else line+=" '${word//$quote/$escaped}'"; fi
  done
  printf '%s\n' "${line# }" >&3
}

run() {
  if [ "$1" = az ]; then set -- "$@" --output none; fi
  show_call "$@"
  $dry_run || "$@"
}

exists() {
  show_call "$@"
  $dry_run && return 1
  "$@" >/dev/null 2>&1
}

lookup() {
  show_call "$@"
  $dry_run && return 0
  "$@" 2>/dev/null || true
}

query() {
  local example=$1
  shift
  show_call "$@"
  if $dry_run; then printf '%s\n' "$example"; else "$@"; fi
}

# `producer | kubectl apply -f -`, printed as one line.
apply_from() {
  printf '%s | kubectl apply -f -\n' "$(show_call "$@" 3>&1)" >&3
  $dry_run || "$@" | kubectl apply -f -
}

# A few attempts a minute apart: role assignments take a while to reach Key Vault.
with_retries() {
  local attempt
  for attempt in 1 2 3 4 5 6; do
    if "$@"; then return 0; fi
    $dry_run && return 1
    printf 'provision.sh: attempt %s failed, retrying in a minute\n' "$attempt" >&2
    sleep 60
  done
  return 1
}

# Deterministic stand-ins for what Azure answers in a dry run.
example_id() { printf '00000000-0000-0000-0000-%012d' "$1"; }
new_id() {
  if $dry_run; then example_id "$1"; else cat /proc/sys/kernel/random/uuid 2>/dev/null || uuidgen | tr '[:upper:]' '[:lower:]'; fi
}

secret_dir="<private temporary directory>"
if ! $dry_run; then
  for tool in az kubectl kubelogin helm; do
    command -v "$tool" >/dev/null || fail "$tool is not installed (az aks install-cli installs kubectl and kubelogin)"
  done
  secret_dir=$(mktemp -d)
  trap 'rm -rf "$secret_dir"' EXIT
fi
cd "$repository"
step() { printf '\n==> %s\n' "$*" >&2; }

# --- Subscription ---------------------------------------------------------------------
step "Subscription, resource providers and CLI extensions"
[ -z "$subscription" ] || run az account set --subscription "$subscription"
subscription_id=$(query "$(example_id 1)" az account show --query id -o tsv)
tenant_id=$(query "$(example_id 2)" az account show --query tenantId -o tsv)
me=$(query "$(example_id 3)" az ad signed-in-user show --query id -o tsv)
for provider in Microsoft.ContainerService Microsoft.ContainerRegistry Microsoft.KeyVault Microsoft.DocumentDB \
  Microsoft.Cache Microsoft.Storage Microsoft.Network Microsoft.ManagedIdentity Microsoft.OperationalInsights \
  Microsoft.Insights Microsoft.Monitor Microsoft.AlertsManagement; do
  run az provider register --namespace "$provider" --wait
done
run az extension add --upgrade --name application-insights
arm() { printf '/subscriptions/%s/resourceGroups/%s/providers/%s' "$subscription_id" "$resource_group" "$1"; }

step "Resource group $resource_group, registry $acr_name"
run az group create --name "$resource_group" --location "$location"
# Standard is enough: nodes pull images through AKS's own identity, outside the pods' network policies.
exists az acr show --name "$acr_name" --resource-group "$resource_group" ||
  run az acr create --name "$acr_name" --resource-group "$resource_group" --location "$location" --sku Standard --admin-enabled false
acr_id=$(arm "Microsoft.ContainerRegistry/registries/$acr_name")
registry=$(query "$acr_name.azurecr.io" az acr show --name "$acr_name" --query loginServer -o tsv)

step "Network $vnet: nodes $nodes_subnet_cidr, private endpoints $endpoints_subnet_cidr"
exists az network vnet show --resource-group "$resource_group" --name "$vnet" ||
  run az network vnet create --resource-group "$resource_group" --name "$vnet" --location "$location" --address-prefixes "$vnet_cidr"
for subnet in "nodes $nodes_subnet_cidr" "endpoints $endpoints_subnet_cidr"; do
  read -r name cidr <<<"$subnet"
  exists az network vnet subnet show --resource-group "$resource_group" --vnet-name "$vnet" --name "$name" ||
    run az network vnet subnet create --resource-group "$resource_group" --vnet-name "$vnet" --name "$name" --address-prefixes "$cidr"
done
nodes_subnet_id=$(arm "Microsoft.Network/virtualNetworks/$vnet/subnets/nodes")

# The private DNS zones of every private endpoint below, linked to the network, so the
# services' host names resolve to the endpoints' addresses.
for zone in privatelink.monitor.azure.com privatelink.oms.opinsights.azure.com privatelink.ods.opinsights.azure.com \
  privatelink.agentsvc.azure-automation.net privatelink.blob.core.windows.net privatelink.mongo.cosmos.azure.com \
  privatelink.documents.azure.com privatelink.redis.cache.windows.net privatelink.vaultcore.azure.net; do
  exists az network private-dns zone show --resource-group "$resource_group" --name "$zone" ||
    run az network private-dns zone create --resource-group "$resource_group" --name "$zone"
  exists az network private-dns link vnet show --resource-group "$resource_group" --zone-name "$zone" --name "$vnet" ||
    run az network private-dns link vnet create --resource-group "$resource_group" --zone-name "$zone" --name "$vnet" \
      --virtual-network "$vnet" --registration-enabled false
done

# private_endpoint NAME RESOURCE_ID GROUP_ID ZONE... : an endpoint in the endpoints subnet, its
# addresses registered in the zones.
private_endpoint() {
  local name=$1 resource=$2 group=$3 zone
  shift 3
  exists az network private-endpoint show --resource-group "$resource_group" --name "$name" ||
    run az network private-endpoint create --resource-group "$resource_group" --name "$name" --location "$location" \
      --vnet-name "$vnet" --subnet endpoints --private-connection-resource-id "$resource" --group-id "$group" \
      --connection-name "$name"
  if ! exists az network private-endpoint dns-zone-group show --resource-group "$resource_group" --endpoint-name "$name" --name default; then
    run az network private-endpoint dns-zone-group create --resource-group "$resource_group" --endpoint-name "$name" \
      --name default --private-dns-zone "$1" --zone-name "$1"
    shift
    for zone in "$@"; do
      run az network private-endpoint dns-zone-group add --resource-group "$resource_group" --endpoint-name "$name" \
        --name default --private-dns-zone "$zone" --zone-name "$zone"
    done
  fi
}

# --- Monitoring -------------------------------------------------------------------------
step "Monitoring: Log Analytics, Azure Monitor workspace (managed Prometheus), Application Insights"
exists az monitor log-analytics workspace show --resource-group "$resource_group" --workspace-name "$log_workspace" ||
  run az monitor log-analytics workspace create --resource-group "$resource_group" --workspace-name "$log_workspace" --location "$location"
log_workspace_id=$(arm "Microsoft.OperationalInsights/workspaces/$log_workspace")
exists az monitor account show --resource-group "$resource_group" --name "$monitor_workspace" ||
  run az monitor account create --resource-group "$resource_group" --name "$monitor_workspace" --location "$location"
monitor_workspace_id=$(arm "Microsoft.Monitor/accounts/$monitor_workspace")
exists az monitor app-insights component show --resource-group "$resource_group" --app "$app_insights" ||
  run az monitor app-insights component create --resource-group "$resource_group" --app "$app_insights" --location "$location" \
    --workspace "$log_workspace_id" --kind web --application-type web
# Telemetry leaves the cluster through a private endpoint: an Azure Monitor Private Link
# Scope (access modes Open, so Azure Monitor resources outside the scope keep working).
exists az monitor private-link-scope show --resource-group "$resource_group" --name "$private_link_scope" ||
  run az monitor private-link-scope create --resource-group "$resource_group" --name "$private_link_scope"
exists az monitor private-link-scope scoped-resource show --resource-group "$resource_group" --scope-name "$private_link_scope" --name "$app_insights" ||
  run az monitor private-link-scope scoped-resource create --resource-group "$resource_group" --scope-name "$private_link_scope" \
    --name "$app_insights" --linked-resource "$(arm "Microsoft.Insights/components/$app_insights")"
private_endpoint "$private_link_scope" "$(arm "Microsoft.Insights/privateLinkScopes/$private_link_scope")" azuremonitor \
  privatelink.monitor.azure.com privatelink.oms.opinsights.azure.com privatelink.ods.opinsights.azure.com \
  privatelink.agentsvc.azure-automation.net privatelink.blob.core.windows.net

# --- Cluster ----------------------------------------------------------------------------
step "AKS cluster $cluster"
# System pool: AKS's add-ons and Kyverno (tainted CriticalAddonsOnly). Azure CNI Overlay with
# Cilium: pods take no addresses from the network, and Cilium enforces the NetworkPolicies.
exists az aks show --resource-group "$resource_group" --name "$cluster" ||
  run az aks create --resource-group "$resource_group" --name "$cluster" --location "$location" --tier standard \
    --zones 1 2 3 --nodepool-name system --node-vm-size Standard_D4ds_v5 --node-count 3 --max-pods "$max_pods" \
    --enable-cluster-autoscaler --min-count 3 --max-count 6 --nodepool-taints CriticalAddonsOnly=true:NoSchedule \
    --cluster-autoscaler-profile balance-similar-node-groups=true \
    --network-plugin azure --network-plugin-mode overlay --network-dataplane cilium --network-policy cilium \
    --vnet-subnet-id "$nodes_subnet_id" --pod-cidr 192.168.0.0/16 --service-cidr 172.16.0.0/16 --dns-service-ip 172.16.0.10 \
    --enable-oidc-issuer --enable-workload-identity \
    --enable-addons azure-keyvault-secrets-provider,monitoring --workspace-resource-id "$log_workspace_id" \
    --enable-secret-rotation \
    --enable-azure-monitor-metrics --azure-monitor-workspace-resource-id "$monitor_workspace_id" \
    --enable-aad --enable-azure-rbac --disable-local-accounts --aad-admin-group-object-ids "$admin_group" \
    --attach-acr "$acr_id" --auto-upgrade-channel patch --node-os-upgrade-channel NodeImage --no-ssh-key
# User pools, one per zone, so the autoscaler adds a node in the zone whose pods are pending
# (the charts spread every service evenly over the zones).
for zone in 1 2 3; do
  exists az aks nodepool show --resource-group "$resource_group" --cluster-name "$cluster" --name "user$zone" ||
    run az aks nodepool add --resource-group "$resource_group" --cluster-name "$cluster" --name "user$zone" --mode User \
      --zones "$zone" --node-vm-size "$node_vm_size" --max-pods "$max_pods" --vnet-subnet-id "$nodes_subnet_id" \
      --enable-cluster-autoscaler --node-count "$min_nodes" --min-count "$min_nodes" --max-count "$max_nodes"
done
cluster_id=$(arm "Microsoft.ContainerService/managedClusters/$cluster")
issuer=$(query "https://$location.oic.prod-aks.azure.com/$tenant_id/$(example_id 4)/" \
  az aks show --resource-group "$resource_group" --name "$cluster" --query oidcIssuerProfile.issuerUrl -o tsv)

# assign ROLE SCOPE OBJECT_ID PRINCIPAL_TYPE
assign() {
  [ -n "$(lookup az role assignment list --assignee "$3" --role "$1" --scope "$2" --query '[0].id' -o tsv)" ] ||
    run az role assignment create --role "$1" --scope "$2" --assignee-object-id "$3" --assignee-principal-type "$4"
}
assign "Azure Kubernetes Service RBAC Cluster Admin" "$cluster_id" "$admin_group" Group
assign "Azure Kubernetes Service Cluster User Role" "$cluster_id" "$developer_group" Group
assign "Azure Kubernetes Service Cluster User Role" "$cluster_id" "$reader_group" Group

# --- Datastores -------------------------------------------------------------------------
step "Datastores: Cosmos DB for MongoDB $mongo_account, Cosmos DB for NoSQL $cosmos_account, Redis $queue_redis and $cache_redis"
cosmos_account_create() { # NAME KIND
  exists az cosmosdb show --resource-group "$resource_group" --name "$1" ||
    run az cosmosdb create --resource-group "$resource_group" --name "$1" --kind "$2" "${@:3}" \
      --locations regionName="$location" failoverPriority=0 isZoneRedundant=True \
      --default-consistency-level Session --public-network-access DISABLED
}
cosmos_account_create "$mongo_account" MongoDB --server-version 4.2
exists az cosmosdb mongodb database show --resource-group "$resource_group" --account-name "$mongo_account" --name package ||
  run az cosmosdb mongodb database create --resource-group "$resource_group" --account-name "$mongo_account" --name package
exists az cosmosdb mongodb collection show --resource-group "$resource_group" --account-name "$mongo_account" --database-name package --name packages ||
  run az cosmosdb mongodb collection create --resource-group "$resource_group" --account-name "$mongo_account" \
    --database-name package --name packages --max-throughput 1000
private_endpoint "$mongo_account" "$(arm "Microsoft.DocumentDB/databaseAccounts/$mongo_account")" MongoDB privatelink.mongo.cosmos.azure.com

cosmos_account_create "$cosmos_account" GlobalDocumentDB
exists az cosmosdb sql database show --resource-group "$resource_group" --account-name "$cosmos_account" --name dronescheduler ||
  run az cosmosdb sql database create --resource-group "$resource_group" --account-name "$cosmos_account" --name dronescheduler --max-throughput 1000
for container in "${cosmos_containers[@]}"; do
  read -r name key <<<"$container"
  exists az cosmosdb sql container show --resource-group "$resource_group" --account-name "$cosmos_account" --database-name dronescheduler --name "$name" ||
    run az cosmosdb sql container create --resource-group "$resource_group" --account-name "$cosmos_account" \
      --database-name dronescheduler --name "$name" --partition-key-path "$key"
done
private_endpoint "$cosmos_account" "$(arm "Microsoft.DocumentDB/databaseAccounts/$cosmos_account")" Sql privatelink.documents.azure.com

# The queue: Premium for AOF persistence (to a storage account) and zones; no eviction, as BullMQ needs.
exists az storage account show --resource-group "$resource_group" --name "$storage_account" ||
  run az storage account create --resource-group "$resource_group" --name "$storage_account" --location "$location" \
    --sku Standard_ZRS --kind StorageV2 --min-tls-version TLS1_2 --allow-blob-public-access false
if ! exists az redis show --resource-group "$resource_group" --name "$queue_redis"; then
  storage_connection=$(query "EXAMPLE-SECRET-storage-connection-string" \
    az storage account show-connection-string --resource-group "$resource_group" --name "$storage_account" --query connectionString -o tsv)
  $dry_run || (umask 077 && printf '{"maxmemory-policy":"noeviction","aof-backup-enabled":"true","aof-storage-connection-string-0":"%s"}' \
    "$storage_connection" >"$secret_dir/queue-redis-configuration.json")
  run az redis create --resource-group "$resource_group" --name "$queue_redis" --location "$location" --sku Premium --vm-size p1 \
    --zones 1 2 --minimum-tls-version 1.2 --redis-configuration "@$secret_dir/queue-redis-configuration.json"
fi
# Deliveries and the gateway's rate limits: Premium for zones; no eviction either (deliveries
# are the delivery service's records, kept DELIVERY_RETENTION_SECONDS).
exists az redis show --resource-group "$resource_group" --name "$cache_redis" ||
  run az redis create --resource-group "$resource_group" --name "$cache_redis" --location "$location" --sku Premium --vm-size p1 \
    --zones 1 2 --minimum-tls-version 1.2 --redis-configuration '{"maxmemory-policy":"noeviction"}'
for redis in "$queue_redis" "$cache_redis"; do
  private_endpoint "$redis" "$(arm "Microsoft.Cache/Redis/$redis")" redisCache privatelink.redis.cache.windows.net
  # TLS only (6380, the non-TLS port stays off) and only through the private endpoint.
  run az redis update --resource-group "$resource_group" --name "$redis" --set publicNetworkAccess=Disabled
done

# --- Key Vault and its secrets ----------------------------------------------------------
step "Key Vault $key_vault_name"
exists az keyvault show --resource-group "$resource_group" --name "$key_vault_name" ||
  run az keyvault create --resource-group "$resource_group" --name "$key_vault_name" --location "$location" --enable-rbac-authorization true
key_vault_id=$(arm "Microsoft.KeyVault/vaults/$key_vault_name")
# The signed-in user writes the secrets (RBAC mode grants nobody data access by default).
assign "Key Vault Secrets Officer" "$key_vault_id" "$me" User
private_endpoint "$key_vault_name" "$key_vault_id" vault privatelink.vaultcore.azure.net

# store_secret NAME COMMAND...: the secret, from the command's output, when Key Vault lacks it.
store_secret() {
  local name=$1 value
  shift
  exists az keyvault secret show --vault-name "$key_vault_name" --name "$name" && return 0
  value=$("$@")
  $dry_run || (umask 077 && printf '%s' "$value" >"$secret_dir/$name")
  with_retries run az keyvault secret set --vault-name "$key_vault_name" --name "$name" --file "$secret_dir/$name" --encoding utf-8
  $dry_run || rm -f "$secret_dir/$name"
}
redis_key() { query "EXAMPLE-SECRET-$1-key" az redis list-keys --resource-group "$resource_group" --name "$1" --query primaryKey -o tsv; }
mongodb_url() {
  query "EXAMPLE-SECRET-mongodb-connection-string" az cosmosdb keys list --resource-group "$resource_group" --name "$mongo_account" \
    --type connection-strings --query 'connectionStrings[0].connectionString' -o tsv
}
telemetry_connection() {
  query "EXAMPLE-SECRET-appinsights-connection-string" az monitor app-insights component show --resource-group "$resource_group" \
    --app "$app_insights" --query connectionString -o tsv
}
generated_token() {
  if $dry_run; then printf 'EXAMPLE-SECRET-generated'; else head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'; fi
}
store_secret queue-redis-password redis_key "$queue_redis"
store_secret cache-redis-password redis_key "$cache_redis"
store_secret package-mongodb-url mongodb_url
store_secret appinsights-connection-string telemetry_connection
store_secret workflow-admin-token generated_token

# --- Workload identities ----------------------------------------------------------------
step "Workload identities: ${services[*]}"
declare -A client_id principal_id
index=0
for service in "${services[@]}"; do
  index=$((index + 1))
  identity=$prefix-$service
  exists az identity show --resource-group "$resource_group" --name "$identity" ||
    run az identity create --resource-group "$resource_group" --name "$identity" --location "$location"
  client_id[$service]=$(query "$(example_id $((20 + index)))" az identity show --resource-group "$resource_group" --name "$identity" --query clientId -o tsv)
  principal=$(query "$(example_id $((30 + index)))" az identity show --resource-group "$resource_group" --name "$identity" --query principalId -o tsv)
  principal_id[$service]=$principal
  exists az identity federated-credential show --resource-group "$resource_group" --identity-name "$identity" --name "$cluster" ||
    run az identity federated-credential create --resource-group "$resource_group" --identity-name "$identity" --name "$cluster" \
      --issuer "$issuer" --subject "system:serviceaccount:$namespace:$service" --audiences api://AzureADTokenExchange
  # Each identity reads only its own service's secrets.
  for secret in ${secrets_of[$service]}; do
    assign "Key Vault Secrets User" "$key_vault_id/secrets/$secret" "$principal" ServicePrincipal
  done
  if [ "$service" = dronescheduler ]; then
    [ -n "$(lookup az cosmosdb sql role assignment list --resource-group "$resource_group" --account-name "$cosmos_account" \
      --query "[?principalId=='$principal'] | [0].id" -o tsv)" ] ||
      run az cosmosdb sql role assignment create --resource-group "$resource_group" --account-name "$cosmos_account" \
        --role-definition-id "$cosmos_data_contributor" --principal-id "$principal" --scope /
  fi
done

# --- Microsoft Entra ID: the API and the console ----------------------------------------
step "Entra ID applications $api_app_name and $console_app_name"
graph=https://graph.microsoft.com/v1.0
api_app=$(lookup az ad app list --display-name "$api_app_name" --query '[0].appId' -o tsv)
if [ -z "$api_app" ]; then
  roles=""
  for role in customer:11 operator:12 drone:13; do
    roles+="${roles:+,}{\"allowedMemberTypes\":[\"User\",\"Application\"],\"description\":\"Drone Delivery ${role%%:*}\",\"displayName\":\"${role%%:*}\",\"id\":\"$(new_id "${role##*:}")\",\"isEnabled\":true,\"value\":\"${role%%:*}\"}"
  done
  api_app=$(query "$(example_id 10)" az ad app create --display-name "$api_app_name" --sign-in-audience AzureADMyOrg \
    --app-roles "[$roles]" --query appId -o tsv)
fi
[ -n "$(lookup az ad app show --id "$api_app" --query 'identifierUris[0]' -o tsv)" ] ||
  run az ad app update --id "$api_app" --identifier-uris "api://$api_app"
# The API's `api` settings, sent whole each time: v2 access tokens (the gateway checks the v2
# issuer; their audience is the application id), one delegated scope, and the applications
# allowed to ask for it without a consent prompt.
api_settings() { # SCOPE_ID [PRE_AUTHORIZED_APP_ID...]
  local scope=$1 app pre=""
  shift
  for app in "$@"; do pre+="${pre:+,}{\"appId\":\"$app\",\"delegatedPermissionIds\":[\"$scope\"]}"; done
  printf '{"api":{"requestedAccessTokenVersion":2,"oauth2PermissionScopes":[{"id":"%s","value":"access_as_user","type":"User","isEnabled":true,"adminConsentDisplayName":"Use Drone Delivery","adminConsentDescription":"Call the Drone Delivery API as the signed-in user","userConsentDisplayName":"Use Drone Delivery","userConsentDescription":"Call the Drone Delivery API as you"}],"preAuthorizedApplications":[%s]}}' "$scope" "$pre"
}
patch_app() { # APP_ID JSON
  run az rest --method PATCH --uri "$graph/applications(appId='$1')" --headers Content-Type=application/json --body "$2"
}
# A scope must exist before an application is pre-authorized for it: first the scope alone.
scope_id=$(lookup az ad app show --id "$api_app" --query 'api.oauth2PermissionScopes[0].id' -o tsv)
if [ -z "$scope_id" ]; then
  scope_id=$(new_id 14)
  patch_app "$api_app" "$(api_settings "$scope_id")"
fi
console_app=$(lookup az ad app list --display-name "$console_app_name" --query '[0].appId' -o tsv)
[ -n "$console_app" ] ||
  console_app=$(query "$(example_id 15)" az ad app create --display-name "$console_app_name" --sign-in-audience AzureADMyOrg --query appId -o tsv)
# A single-page application (authorization code + PKCE, no secret) signing in at the host's root.
patch_app "$console_app" "{\"spa\":{\"redirectUris\":[\"https://$host/\"]},\"requiredResourceAccess\":[{\"resourceAppId\":\"$api_app\",\"resourceAccess\":[{\"id\":\"$scope_id\",\"type\":\"Scope\"}]}]}"
# Azure CLI (for `az account get-access-token`) and the console, pre-authorized.
patch_app "$api_app" "$(api_settings "$scope_id" "$azure_cli_app_id" "$console_app")"
for app in "$api_app" "$console_app"; do
  exists az ad sp show --id "$app" || run az ad sp create --id "$app"
done
# An app role of the API for a user or a service principal (managed identities included).
api_principal=$(query "$(example_id 16)" az ad sp show --id "$api_app" --query id -o tsv)
grant_api_role() {
  local principal=$1 role=$2 role_id
  role_id=$(query "$(example_id "$3")" az ad app show --id "$api_app" --query "appRoles[?value=='$role'] | [0].id" -o tsv)
  [ -n "$(lookup az rest --method GET --uri "$graph/servicePrincipals/$api_principal/appRoleAssignedTo" \
    --query "value[?principalId=='$principal' && appRoleId=='$role_id'] | [0].id" -o tsv)" ] ||
    run az rest --method POST --uri "$graph/servicePrincipals/$api_principal/appRoleAssignedTo" --headers Content-Type=application/json \
      --body "{\"principalId\":\"$principal\",\"resourceId\":\"$api_principal\",\"appRoleId\":\"$role_id\"}"
}
# The simulator flies the drones: its workload identity asks for tokens with the drone role.
grant_api_role "${principal_id[simulator]}" drone 13
if $assign_me_customer; then grant_api_role "$me" customer 11; fi

# --- Objects in the cluster -------------------------------------------------------------
step "Cluster objects: k8s/, RoleBindings, ingress-nginx, Kyverno and the admission policies"
run az aks get-credentials --resource-group "$resource_group" --name "$cluster" --overwrite-existing
run kubelogin convert-kubeconfig -l azurecli
run kubectl apply -k k8s/
# Entra ID groups by object id (k8s/rbac.yaml defines the roles).
apply_from kubectl create rolebinding dronedelivery-developers --namespace "$namespace" --role dronedelivery-developer \
  --group "$developer_group" --dry-run=client -o yaml
apply_from kubectl create rolebinding dronedelivery-readers --namespace "$namespace" --role dronedelivery-reader \
  --group "$reader_group" --dry-run=client -o yaml
run helm upgrade --install ingress-nginx ingress-nginx --repo https://kubernetes.github.io/ingress-nginx \
  --version "$ingress_nginx_chart_version" --namespace ingress-nginx --create-namespace -f k8s/ingress-nginx/values.yaml --wait
# Kyverno on the system pool, three admission controllers.
run helm upgrade --install kyverno kyverno --repo https://kyverno.github.io/kyverno --version "$kyverno_chart_version" \
  --namespace kyverno --create-namespace --set admissionController.replicas=3 \
  --set-json 'global.tolerations=[{"key":"CriticalAddonsOnly","operator":"Exists","effect":"NoSchedule"}]' \
  --set-json 'global.nodeSelector={"kubernetes.azure.com/mode":"system"}' --wait
# The admission policies, with this registry in place of the example's (the files stay as they are).
for policy in k8s/policies/trusted-images.yaml k8s/policies/restricted-pods.yaml; do
  apply_from sed "s/dronedeliveryacr\.azurecr\.io/$registry/g" "$policy"
done
ingress_address=$(query 203.0.113.10 kubectl --namespace ingress-nginx get service ingress-nginx-controller \
  -o 'jsonpath={.status.loadBalancer.ingress[0].ip}')

# --- The values overlay -----------------------------------------------------------------
step "Values overlay $values_out"
entra_id_ranges=$(query $'20.190.128.0/18\n40.126.0.0/18\n2603:1006:2000::/48' az network list-service-tags --location "$location" \
  --query "values[?name=='AzureActiveDirectory'].properties.addressPrefixes[]" -o tsv |
  grep -v ':' | sort -t. -k1,1n -k2,2n -k3,3n -k4,4n || true)
[ -n "$entra_id_ranges" ] || fail "no IPv4 address ranges in the AzureActiveDirectory service tag"

write_overlay() {
  local service
  cat <<EOF
# Subscription-specific values for charts/dronedelivery, written by k8s/aks/provision.sh
#   --prefix $prefix --location $location --host $host
#   --admin-group $admin_group --developer-group $developer_group --reader-group $reader_group$($dry_run && printf ' --dry-run')
# Install with values-production.yaml first, then this file:
#   helm upgrade --install dronedelivery charts/dronedelivery -n $namespace \\
#     -f charts/dronedelivery/values-production.yaml -f <this file>
# No secret is in it: services read theirs from Key Vault $key_vault_name by the names in
# values-production.yaml. Egress is allowed only to the addresses below, never to any address.
x-keyVault: &keyVault
  name: $key_vault_name
  tenantId: $tenant_id
# Private endpoints of the datastores, Key Vault and Azure Monitor (Application Insights).
x-privateEndpoints: &privateEndpoints
  - ipBlock: { cidr: $endpoints_subnet_cidr }
x-telemetry: &telemetry
  to: *privateEndpoints
  ports: [{ port: 443, protocol: TCP }]
# Microsoft Entra ID (service tag AzureActiveDirectory, IPv4): the gateway's signing keys, the
# dronescheduler's and the simulator's workload identity tokens. Service tags change: run the script again.
x-entraId: &entraId
  to:
EOF
  sed 's|^|    - ipBlock: { cidr: |; s|$| }|' <<<"$entra_id_ranges"
  cat <<EOF
  ports: [{ port: 443, protocol: TCP }]
EOF
  for service in "${services[@]}"; do
    printf '\n%s:\n  serviceAccount:\n    workloadIdentity: { clientId: %s }\n  secrets:\n    keyVault: *keyVault\n' "$service" "${client_id[$service]}"
    case "$service" in
      gateway)
        cat <<EOF
  config:
    JWKS_URL: https://login.microsoftonline.com/$tenant_id/discovery/v2.0/keys
    JWT_ISSUER: https://login.microsoftonline.com/$tenant_id/v2.0
    # v2 access tokens carry the API's application id as their audience.
    JWT_AUDIENCE: $api_app
    REDIS_URL: rediss://$cache_redis.redis.cache.windows.net:6380
  ingress: { host: $host }
EOF
        ;;
      ingestion) printf '  config:\n    REDIS_URL: rediss://%s.redis.cache.windows.net:6380\n' "$queue_redis" ;;
      workflow)
        printf '  config:\n    REDIS_URL: rediss://%s.redis.cache.windows.net:6380\n' "$queue_redis"
        printf '  keda: { redisAddress: %s.redis.cache.windows.net:6380 }\n' "$queue_redis"
        ;;
      delivery) printf '  config:\n    REDIS_URL: rediss://%s.redis.cache.windows.net:6380\n' "$cache_redis" ;;
      dronescheduler) printf '  config:\n    COSMOS_ENDPOINT: https://%s.documents.azure.com:443/\n' "$cosmos_account" ;;
      console)
        cat <<EOF
  config:
    OIDC_AUTHORITY: https://login.microsoftonline.com/$tenant_id/v2.0
    OIDC_CLIENT_ID: $console_app
    OIDC_SCOPE: openid profile api://$api_app/access_as_user
  ingress: { host: $host }
EOF
        ;;
      # Drone tokens from Entra ID as its workload identity, which holds the API's drone role.
      simulator) printf '  config:\n    DRONE_TOKEN_SCOPE: api://%s/.default\n' "$api_app" ;;
    esac
    printf '  networkPolicy:\n'
    case "$service" in
      console | simulator) ;;
      *) printf '    datastore: { to: *privateEndpoints }\n' ;;
    esac
    case "$service" in
      gateway | dronescheduler | simulator) printf '    extraEgress: [*telemetry, *entraId]\n' ;;
      *) printf '    extraEgress: [*telemetry]\n' ;;
    esac
  done
}
write_overlay >"$values_out"
# The same overlay in the cluster, for the per-service pipelines: their deploy step reads it
# (ConfigMap dronedelivery-environment, key values.yaml) instead of a file on one machine.
apply_from kubectl create configmap dronedelivery-environment --namespace "$namespace" \
  --from-file=values.yaml="$values_out" --dry-run=client -o yaml

cat <<EOF

Done. Values overlay: $values_out
REGISTRY=$registry
AZURE_TENANT_ID=$tenant_id
AZURE_SUBSCRIPTION_ID=$subscription_id
AKS_RESOURCE_GROUP=$resource_group
AKS_CLUSTER=$cluster
API_AUDIENCE=api://$api_app
Next:
  1. DNS: point $host at the ingress controller, $ingress_address.
  2. TLS: create the Secret dronedelivery-tls in namespace $namespace for $host, or install
     cert-manager with a ClusterIssuer named letsencrypt (values-production.yaml names it).
  3. Images and the release (docs/deployment.md, "First release"), from the repository root:
       az acr login --name $acr_name
       pnpm run push-images --registry $registry --values-out dronedelivery-images.yaml
       helm dependency build each chart under charts/ (the services first), then
       helm upgrade --install dronedelivery charts/dronedelivery -n $namespace \\
         -f charts/dronedelivery/values-production.yaml -f $values_out -f dronedelivery-images.yaml --wait
  4. A token to try the API (needs an app role: --assign-me-customer gives you customer):
       az account get-access-token --scope api://$api_app/.default --query accessToken -o tsv
EOF
