// Entry point placeholder: the simulator application is built under issue 2.
return 0;
