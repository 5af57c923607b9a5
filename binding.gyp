{
  # The native core: Parquet encoding and the codecs it needs. Everything is
  # compiled from source by node-gyp during `npm install`; zstd's sources come
  # from the zstd-napi package (its own addon is never built, see allowScripts).
  'variables': {
    'zstd_dir': '<!(node -p "require(\'path\').dirname(require.resolve(\'zstd-napi/package.json\'))")',
  },
  'targets': [
    {
      'target_name': 'tributary',
      'sources': [
        '<!@(node -p "require(\'fs\').readdirSync(\'native\', { recursive: true }).filter(f => f.endsWith(\'.cc\')).map(f => \'native/\' + f).join(\' \')")',
      ],
      'include_dirs': ['native'],
      'dependencies': [
        "<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except",
        '<(zstd_dir)/deps/zstd.gyp:libzstd',
      ],
      'defines': ['NAPI_VERSION=8'],
      'cflags_cc': ['-std=c++17', '-O3', '-fvisibility=hidden'],
      'cflags_cc!': ['-fno-exceptions', '-std=gnu++17'],
      'cflags': ['-O3'],
      'xcode_settings': {
        'GCC_ENABLE_CPP_EXCEPTIONS': 'YES',
        'CLANG_CXX_LANGUAGE_STANDARD': 'c++17',
        'MACOSX_DEPLOYMENT_TARGET': '11.0',
      },
      'msvs_settings': { 'VCCLCompilerTool': { 'ExceptionHandling': 1, 'AdditionalOptions': ['/std:c++17'] } },
    },
  ],
}
