# Protobuf/gRPC code generation for the service contracts in proto/plexus/<service>/v1/*.proto.
# The functions need Protobuf and gRPC, which Dependencies.cmake finds optionally: callers guard
# with if(PLEXUS_HAVE_GRPC), so the tree still builds without them.

# plexus_add_proto(<service>): a static library plexus_<service>_proto with the messages and
# gRPC stubs of proto/plexus/<service>/v1/*.proto, generated into <build>/proto and included as
# "plexus/<service>/v1/<file>.pb.h" / ".grpc.pb.h".
function(plexus_add_proto service)
  set(proto_root ${PROJECT_SOURCE_DIR}/proto)
  set(gen_root ${CMAKE_BINARY_DIR}/proto)
  file(GLOB protos CONFIGURE_DEPENDS ${proto_root}/plexus/${service}/v1/*.proto)
  if(NOT protos)
    message(FATAL_ERROR "plexus_add_proto(${service}): no .proto files under "
                        "proto/plexus/${service}/v1")
  endif()
  set(generated "")
  foreach(proto ${protos})
    file(RELATIVE_PATH rel ${proto_root} ${proto})
    string(REGEX REPLACE "\\.proto$" "" base ${rel})
    set(outs ${gen_root}/${base}.pb.cc ${gen_root}/${base}.pb.h
             ${gen_root}/${base}.grpc.pb.cc ${gen_root}/${base}.grpc.pb.h)
    add_custom_command(
      OUTPUT ${outs}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${gen_root}
      COMMAND ${PLEXUS_PROTOC}
        --proto_path=${proto_root}
        --cpp_out=${gen_root}
        --grpc_out=${gen_root}
        --plugin=protoc-gen-grpc=${PLEXUS_GRPC_CPP_PLUGIN}
        ${proto}
      DEPENDS ${proto}
      COMMENT "protoc ${rel}"
      VERBATIM)
    list(APPEND generated ${gen_root}/${base}.pb.cc ${gen_root}/${base}.grpc.pb.cc)
  endforeach()
  set(target plexus_${service}_proto)
  add_library(${target} STATIC ${generated})
  # SYSTEM: generated code is not ours; keep -Werror and our warning flags away from it.
  target_include_directories(${target} SYSTEM PUBLIC ${gen_root})
  target_link_libraries(${target} PUBLIC ${PLEXUS_GRPC_LIBS})
endfunction()

# plexus_add_grpc_binding(<service> [DEPS <targets...>]): the gRPC binding of services/<service>/
# (DESIGN.md §2): plexus_<service>_proto from its contract, and plexus_<service>_grpc from
# services/<service>/grpc/*.cc (client, service adapter, convert). The service's test binary
# links it and is compiled with PLEXUS_HAVE_GRPC=1, so contract suites add their gRPC cases.
# Call after plexus_add_service(<service>).
function(plexus_add_grpc_binding service)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  plexus_add_proto(${service})
  set(dir ${CMAKE_CURRENT_SOURCE_DIR})
  set(target plexus_${service}_grpc)
  file(GLOB sources CONFIGURE_DEPENDS ${dir}/grpc/*.cc)
  add_library(${target} STATIC ${sources})
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR}/services)
  target_link_libraries(${target} PUBLIC plexus_${service}_api plexus_${service}_proto
                                         plexus_grpcutil ${ARG_DEPS})
  _plexus_target_defaults(${target})
  set_property(GLOBAL APPEND PROPERTY PLEXUS_TARGETS ${target})
  set_property(TARGET ${target} PROPERTY PLEXUS_LAYER service)
  set_property(TARGET ${target} PROPERTY PLEXUS_HEADER_ROOT ${PROJECT_SOURCE_DIR}/services)
  set_property(TARGET ${target} PROPERTY PLEXUS_HEADER_DIR ${dir}/grpc)
  if(TARGET plexus_${service}_test)
    target_link_libraries(plexus_${service}_test PRIVATE ${target})
    target_compile_definitions(plexus_${service}_test PRIVATE PLEXUS_HAVE_GRPC=1)
  endif()
endfunction()
